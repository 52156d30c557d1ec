import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tagArrays } from '../../src/app/precomputed/format';
import type { EvalReport, TokenTrace } from '../../src/engine/protocol';
import type { ModelConfig } from '../../src/model/config';

export interface CapturedRun {
  config: ModelConfig;
  steps: number;
  losses: number[];
  evals: EvalReport[];
  /** The default text and a trace of each of its bytes. */
  text: string;
  traces: TokenTrace[];
  defaultPosition: number;
  inspectionText: string;
  /** The app binary's tensors (usage maps and inspection reads), float32. */
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
  usage: { layer: number; heads: number; slots: number; tokens: number }[];
}

/**
 * Writes test/fixtures/data/captured/ (layout in its README): the run's config, a few tokens'
 * memory traces, the usage maps and inspection reads as one little-endian float32 file with a JSON
 * header, and the loss and coverage history.
 */
export function writeCapturedFixtures(dir: string, run: CapturedRun): void {
  mkdirSync(dir, { recursive: true });
  const layer = run.usage[0].layer;
  writeFileSync(
    join(dir, 'config.json'),
    `${JSON.stringify(
      {
        config: run.config,
        steps: run.steps,
        corpus: 'knowledge',
        text: run.text,
        defaultPosition: run.defaultPosition,
        evaluationText: run.inspectionText,
        source: 'scripts/precompute-snapshot.ts',
      },
      null,
      2,
    )}\n`,
  );

  // The default token, the byte after it, and the first byte of every word.
  const positions = [run.defaultPosition, run.defaultPosition + 1];
  for (let p = 0; p < run.text.length; p++) {
    if ((p === 0 || run.text[p - 1] === ' ') && !positions.includes(p)) positions.push(p);
  }
  const traces = positions.map((p) => {
    const t = run.traces[p];
    const memory = t.layers.find((l) => l.layer === layer)!;
    return { position: p, token: t.token, predictions: t.predictions, trace: tagArrays(memory.trace, 5) };
  });
  writeFileSync(
    join(dir, 'traces.json'),
    `${JSON.stringify({ text: run.text, layer, step: run.steps, traces })}\n`,
  );

  const names = Object.keys(run.tensors).sort();
  let offset = 0;
  const arrays: Record<string, { offset: number; shape: number[] }> = {};
  for (const name of names) {
    arrays[name] = { offset, shape: run.tensors[name].shape };
    offset += run.tensors[name].data.byteLength;
  }
  const bin = new Uint8Array(offset);
  for (const name of names) {
    const { data } = run.tensors[name];
    bin.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), arrays[name].offset);
  }
  writeFileSync(join(dir, 'usage.bin'), bin);
  writeFileSync(
    join(dir, 'usage.json'),
    `${JSON.stringify(
      {
        dtype: 'float32',
        endian: 'little',
        n_keys: run.config.n_keys,
        usage: run.usage,
        note: 'usage.<layer>.counts/weights: [heads, n_keys²] over all training reads; reads.<layer>.slots/weights: [bytes of evaluationText, heads, knn]',
        arrays,
      },
      null,
      2,
    )}\n`,
  );

  writeFileSync(
    join(dir, 'history.json'),
    `${JSON.stringify({
      steps: run.steps,
      losses: run.losses.map((l) => Number(l.toFixed(4))),
      evals: run.evals.map((e) => ({
        step: e.step,
        loss: Number(e.loss.toFixed(4)),
        memories: e.memories.map((m) => ({
          layer: m.layer,
          usage: m.metrics.usage,
          kl_w: m.metrics.kl_w,
          kl_u: m.metrics.kl_u,
          gini: m.metrics.gini_w,
          top50: m.metrics.top50_w,
          top90: m.metrics.top90_w,
          top99: m.metrics.top99_w,
        })),
      })),
    })}\n`,
  );
}
