/** `pkm train`: trains a model headless (wasm) and writes a checkpoint the app can load. */
import { writeFile } from 'node:fs/promises';
import type { EvalReport, ModelInfo } from '../engine/protocol';
import { intOption } from './args';
import { type CliCommand, InputError, UsageError } from './command';
import { openCliSession } from './engineSession';
import { evalRows, evalSummary } from './evalReport';
import { fmt, table } from './format';
import { loadModel, MODEL_SOURCE_OPTIONS, switchToTextOption, TEXT_OPTION } from './modelOptions';

/** Steps per request to the session: progress is printed after each chunk. */
const CHUNK = 25;

export interface TrainJson {
  config: ModelInfo['config'];
  parameters: ModelInfo['parameters'];
  corpus: ModelInfo['corpus'];
  backend: string;
  steps: number;
  /** Step reached (a checkpoint given with --model may have started above 0). */
  step: number;
  seconds: number;
  steps_per_second: number;
  /** Mean training loss of the last 50 steps, nats per byte. */
  train_loss: number;
  /** Validation points taken during training (every --eval-every steps) and at the end. */
  validation: { step: number; loss: number; perplexity: number }[];
  eval: ReturnType<typeof evalSummary>;
  out: string | null;
}

export const trainCommand: CliCommand = {
  usage:
    '[--config <file> | --model <file>] [--steps <n>] [--out <file>] [--text <file>] [--eval-every <n>] [--json]',
  options: {
    ...MODEL_SOURCE_OPTIONS,
    ...TEXT_OPTION,
    steps: { type: 'string', value: '<n>', description: 'training steps (default 500)' },
    out: { type: 'string', value: '<file>', description: 'write a checkpoint (safetensors) when done' },
    'eval-every': {
      type: 'string',
      value: '<n>',
      description: 'validation every n steps, besides the end (default 250; 0 = only at the end)',
    },
  },
  details: [
    'Without --config or --model it trains the default config on the generated knowledge corpus.',
    'Progress goes to stderr; the result (JSON with --json) lists the validation points and the',
    'final loss, perplexity and memory metrics (usage, KL, Gini, top-P) per memory layer.',
  ].join('\n'),
  async run(values, context) {
    const steps = intOption(values, 'steps', 1, 10_000_000) ?? 500;
    const evalEvery = intOption(values, 'eval-every', 0, 10_000_000) ?? 250;
    const out = values.out as string | undefined;
    if (out !== undefined && out.trim() === '') throw new UsageError('--out needs a file name');
    const session = await openCliSession(context.progress);
    try {
      const info = await loadModel(session, values, context, true);
      const corpus = (await switchToTextOption(session, values, context)) ?? info.corpus;
      context.progress(
        `${info.parameters.total.toLocaleString('en')} parameters on ${info.backend.backend}, ` +
          `${corpus.name} corpus (${corpus.trainBytes.toLocaleString('en')} training bytes)`,
      );
      const validation: TrainJson['validation'] = [];
      const losses: number[] = [];
      const started = performance.now();
      let done = 0;
      let nextEval = evalEvery > 0 ? evalEvery : steps;
      let report: EvalReport | null = null;
      while (done < steps) {
        const count = Math.min(CHUNK, steps - done, nextEval - done);
        const records = await session.ok({ type: 'step', count });
        done += records.length;
        for (const r of records) losses.push(r.loss);
        const last = records.at(-1)!;
        const rate = done / ((performance.now() - started) / 1000);
        context.progress(
          `step ${last.step}  loss ${fmt(last.loss)}  lr ${last.lr.toExponential(2)}  ${fmt(rate, 3)} steps/s`,
        );
        if (done === steps || done === nextEval) {
          nextEval = Math.min(steps, done + (evalEvery > 0 ? evalEvery : steps));
          report = await session.ok({ type: 'evaluate' });
          validation.push({ step: report.step, loss: report.loss, perplexity: report.perplexity });
          context.progress(
            `step ${report.step}  validation loss ${fmt(report.loss)}  perplexity ${fmt(report.perplexity)}`,
          );
        }
      }
      const seconds = (performance.now() - started) / 1000;
      if (out) {
        const checkpoint = await session.ok({ type: 'saveCheckpoint' });
        try {
          await writeFile(out, checkpoint.bytes);
        } catch (err) {
          throw new InputError(`cannot write '${out}': ${(err as Error).message}`);
        }
        context.progress(`wrote ${out} (${checkpoint.bytes.length.toLocaleString('en')} bytes)`);
      }
      const tail = losses.slice(-50);
      const json: TrainJson = {
        config: info.config,
        parameters: info.parameters,
        corpus,
        backend: info.backend.backend,
        steps,
        step: report!.step,
        seconds,
        steps_per_second: steps / seconds,
        train_loss: tail.reduce((a, b) => a + b, 0) / tail.length,
        validation,
        eval: evalSummary(report!),
        out: out ?? null,
      };
      const text = [
        `trained ${steps} steps in ${fmt(seconds, 3)} s (${fmt(json.steps_per_second, 3)} steps/s) on ${json.backend}`,
        `training loss (last ${tail.length} steps) ${fmt(json.train_loss)}`,
        '',
        table(
          ['step', 'validation loss', 'perplexity'],
          validation.map((v) => [v.step, fmt(v.loss), fmt(v.perplexity)]),
        ),
        '',
        ...evalRows(report!),
        ...(out ? ['', `checkpoint: ${out}`] : []),
      ].join('\n');
      return { json, text };
    } finally {
      await session.close();
    }
  },
};
