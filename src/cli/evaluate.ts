/** `pkm eval`: validation loss, perplexity, fact recall and memory metrics of a checkpoint. */
import type { CliCommand } from './command';
import { openCliSession } from './engineSession';
import { evalRows, evalSummary } from './evalReport';
import { loadModel, MODEL_SOURCE_OPTIONS, switchToTextOption, TEXT_OPTION } from './modelOptions';

export const evalCommand: CliCommand = {
  usage: '--model <file> [--text <file>] [--json]',
  options: { model: MODEL_SOURCE_OPTIONS.model, ...TEXT_OPTION },
  details: [
    'Evaluates on the fixed validation set of the corpus (the knowledge corpus, or the last 10% of',
    '--text): loss in nats per byte, perplexity, bits per byte, fact recall (knowledge corpus), and',
    'XLM-style memory metrics (usage, kl_w, kl_u, gini, top50/90/99) per memory layer and head.',
  ].join('\n'),
  async run(values, context) {
    const session = await openCliSession(context.progress);
    try {
      await loadModel(session, values, context, false);
      await switchToTextOption(session, values, context);
      const report = await session.ok({ type: 'evaluate' });
      return { json: evalSummary(report), text: evalRows(report).join('\n') };
    } finally {
      await session.close();
    }
  },
};
