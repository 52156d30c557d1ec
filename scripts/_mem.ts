import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CONFIG } from '../src/model/config';
import { createSparseUnit } from '../bench/suites/stepUnits';
import { countStepWork } from '../bench/lib/stepCounters';
import { withKernelMode } from '../src/model/ops/kernelMode';
async function main() {
  await tf.setBackend(process.argv[2] ?? 'wasm');
  const u = createSparseUnit({ ...DEFAULT_CONFIG }, Number(process.env.NK ?? 64));
  for (const mode of ['fused', 'reference'] as const) {
    for (let i = 0; i < 3; i++) await withKernelMode(mode, () => u.step());
    const w = await withKernelMode(mode, () => countStepWork(() => u.step()));
    console.log(mode, w.work.compute_kernels, w.work.reads, w.work.blocking_reads, JSON.stringify(w.work.by_kernel));
    const t0 = performance.now(); for (let i = 0; i < 10; i++) await withKernelMode(mode, () => u.step());
    console.log(mode, ((performance.now() - t0) / 10).toFixed(1), 'ms');
  }
}
if (!process.argv[3]) main();
async function phases() {
  await tf.setBackend('wasm');
  const u = createSparseUnit({ ...DEFAULT_CONFIG }, Number(process.env.NK ?? 64));
  for (const mode of ['fused', 'reference'] as const) {
    let upd = 0; let tot = 0;
    for (let i = 0; i < 13; i++) { const t0 = performance.now(); await withKernelMode(mode, () => u.step()); if (i >= 3) { tot += performance.now() - t0; upd += u.lastUpdateMs!; } }
    console.log(mode, 'step', (tot / 10).toFixed(1), 'update', (upd / 10).toFixed(1));
  }
}
if (process.argv[3] === 'phases') phases();
async function prof() {
  await tf.setBackend('wasm');
  const u = createSparseUnit({ ...DEFAULT_CONFIG }, Number(process.env.NK ?? 64));
  for (let i = 0; i < 3; i++) await u.step();
  const agg = new Map<string, number>();
  for (let r = 0; r < 5; r++) {
    const info = await tf.profile(() => u.step() as unknown as tf.Tensor);
    for (const k of info.kernels) { const ms = await (k.kernelTimeMs as unknown as Promise<number> | number); agg.set(k.name, (agg.get(k.name) ?? 0) + (typeof ms === 'number' ? ms : 0) / 5); }
  }
  console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([n, m]) => `${n} ${m.toFixed(2)}`).join('\n'));
}
if (process.argv[3] === 'prof') prof();
