/**
 * Where a training step's time goes, kernel by kernel: times every kernel of the active backend
 * (cpu or wasm run kernels synchronously, so a kernel's wall time is its cost) over a few steps of
 * the default model or of the memory layer alone, after warm-up, and prints the totals by kernel
 * and by kernel and input shape, with the time spent outside kernels (tfjs's bookkeeping, the
 * sparse value update). 'ffn' is the default model with a dense FFN where the memory was (the
 * benchmark's memory ÷ FFN baseline).
 *   npx tsx scripts/profile-step.ts [model|memory|ffn] [wasm|cpu] [fused|reference] [n_keys]
 */

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fixedBatch } from '../bench/suites/model';
import { createSparseUnit } from '../bench/suites/stepUnits';
import { DEFAULT_CONFIG } from '../src/model/config';
import { type KernelMode, withKernelMode } from '../src/model/ops/kernelMode';
import { createTrainer } from '../src/model/training/trainer';
import { createModel } from '../src/model/transformer';

const [unit = 'model', backend = 'wasm', mode = 'fused', nKeysArg] = process.argv.slice(2);
const REPS = 8;
await tf.setBackend(backend);
await tf.ready();

function stepOf(): () => Promise<unknown> {
  const config = {
    ...DEFAULT_CONFIG,
    ...(nKeysArg ? { n_keys: Number(nKeysArg) } : {}),
    ...(unit === 'ffn' ? { mem_layers: [] } : {}),
  };
  if (unit === 'memory') {
    const memory = createSparseUnit(config, config.n_keys);
    return () => memory.step();
  }
  const model = createModel(config);
  const trainer = createTrainer(model);
  const batch = fixedBatch(config);
  const fence = model.denseVariables().reduce((a, b) => (b.size < a.size ? b : a));
  return async () => {
    await trainer.step(batch);
    await fence.data();
  };
}

const step = stepOf();
const totals = new Map<string, { calls: number; ms: number }>();
let timing = false;
for (const { kernelName } of tf.getKernelsForBackend(backend)) {
  const config = tf.getKernel(kernelName, backend)!;
  const run = config.kernelFunc;
  (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
    if (!timing) return run(args);
    const start = performance.now();
    const out = run(args);
    const ms = performance.now() - start;
    const first = Object.values(args.inputs)[0] as tf.TensorInfo | undefined;
    const key = `${kernelName} [${first?.shape ?? ''}]`;
    const t = totals.get(key) ?? { calls: 0, ms: 0 };
    t.calls++;
    t.ms += ms;
    totals.set(key, t);
    return out;
  };
}

for (let i = 0; i < 3; i++) await withKernelMode(mode as KernelMode, step);
timing = true;
const start = performance.now();
for (let i = 0; i < REPS; i++) await withKernelMode(mode as KernelMode, step);
const stepMs = (performance.now() - start) / REPS;
timing = false;

const rows = [...totals].map(([key, t]) => ({ key, calls: t.calls / REPS, ms: t.ms / REPS }));
const inKernels = rows.reduce((sum, r) => sum + r.ms, 0);
const byName = new Map<string, { calls: number; ms: number }>();
for (const r of rows) {
  const name = r.key.split(' ')[0];
  const t = byName.get(name) ?? { calls: 0, ms: 0 };
  t.calls += r.calls;
  t.ms += r.ms;
  byName.set(name, t);
}
const line = (ms: number, calls: number, what: string) =>
  console.log(`${ms.toFixed(2).padStart(8)} ms ${String(calls).padStart(5)}× ${what}`);
console.log(
  `${unit} on ${backend}, ${mode}: ${stepMs.toFixed(1)} ms/step, ${inKernels.toFixed(1)} ms in ${rows.reduce((s, r) => s + r.calls, 0)} kernels, ${(stepMs - inKernels).toFixed(1)} ms outside them`,
);
for (const [name, t] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) line(t.ms, t.calls, name);
console.log('by kernel and first input shape:');
for (const r of rows.sort((a, b) => b.ms - a.ms).slice(0, 20)) line(r.ms, r.calls, r.key);
