/** `pkm inspect`: every intermediate of the memory lookup of one token, as JSON. */
import type { TokenTrace } from '../engine/protocol';
import { encode, tokenLabel } from '../model/tokenizer';
import { intOption } from './args';
import { type CliCommand, UsageError } from './command';
import { openCliSession } from './engineSession';
import { fmt, table } from './format';
import { loadModel, MODEL_SOURCE_OPTIONS } from './modelOptions';

/** Typed arrays become plain arrays, so JSON.stringify writes lists, not index→value objects. */
export function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function traceText(trace: TokenTrace): string {
  const lines = [
    `token ${JSON.stringify(tokenLabel(trace.token))} at byte ${trace.position} (window from byte ${trace.windowStart}), step ${trace.step}`,
    `next byte: ${trace.predictions.map((p) => `${JSON.stringify(tokenLabel(p.token))} ${fmt(100 * p.probability, 3)} %`).join(', ')}`,
  ];
  if (trace.layers.length === 0) lines.push('', 'this model has no memory layer');
  for (const { layer, trace: memory } of trace.layers) {
    memory.heads.forEach((head, h) => {
      const rows = Array.from(head.slots, (slot, r) => [
        r + 1,
        slot,
        head.rows[r],
        head.cols[r],
        fmt(head.scores[r]),
        fmt(head.weights[r]),
      ]);
      lines.push('', `memory in block ${layer}, head ${h + 1}: the ${memory.knn} selected slots`);
      lines.push(table(['rank', 'slot', 'row (i)', 'col (j)', 'score', 'weight'], rows));
    });
  }
  return lines.join('\n');
}

export const inspectCommand: CliCommand = {
  usage: '--text <text> [--position <byte>] [--layer <block>] [--model <file> | --config <file>] [--json]',
  options: {
    ...MODEL_SOURCE_OPTIONS,
    text: { type: 'string', value: '<text>', description: 'the text the model reads', required: true },
    position: {
      type: 'string',
      value: '<byte>',
      description: 'byte offset of the token to trace (default: the last byte)',
    },
    layer: { type: 'string', value: '<block>', description: 'the memory layer of interest (default: all)' },
  },
  details: [
    'JSON: the token, its context window, the next-byte predictions, and for every memory layer and',
    'head the query before and after normalisation, its halves, the sub-key scores of both halves,',
    'their top-k, the k×k candidate scores, and the selected slots with raw scores and softmax weights.',
    'Without --model or --config it traces a fresh (untrained) model with the default config.',
  ].join('\n'),
  async run(values, context) {
    const text = values.text as string;
    const bytes = encode(text).length;
    if (bytes === 0) throw new UsageError('--text must not be empty');
    const position = intOption(values, 'position', 0, bytes - 1) ?? bytes - 1;
    const layer = intOption(values, 'layer', 0, 1023) ?? null;
    const session = await openCliSession(context.progress);
    try {
      await loadModel(session, values, context, true);
      const trace = await session.ok({ type: 'trace', text, position, layer });
      return { json: plain(trace), text: traceText(trace) };
    } finally {
      await session.close();
    }
  },
};
