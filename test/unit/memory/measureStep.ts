/**
 * Step time of one memory layer in Node: forward + gradient (dense and value rows) + sparse
 * value update, at two table sizes, to show the step does not grow with the number of slots.
 * Run: npx tsx test/unit/memory/measureStep.ts [wasm|cpu|webgpu] [N]
 * (webgpu in Node: Dawn on SwiftShader, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createMemory } from '../../../src/model/memory/createMemory';
import type { MemorySpec } from '../../../src/model/memory/types';

const backend = process.argv[2] ?? 'wasm';
const n = Number(process.argv[3] ?? 512);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(nKeys: number) {
  const spec: MemorySpec = {
    d_in: 64,
    heads: 2,
    n_keys: nKeys,
    k_dim: 32,
    v_dim: 64,
    knn: 8,
    query_norm: 'batchnorm',
    mem_keys: 'product',
    mem_plus: false,
    d_out: 64,
  };
  const mod = createMemory(spec, { seed: 1 });
  const x = tf.randomNormal([n, spec.d_in]) as tf.Tensor2D;
  const target = tf.randomNormal([n, spec.d_out]);
  const grad: number[] = [];
  const update: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const t0 = performance.now();
    const probe = mod.valueGradientVariables(n)[0];
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.squaredDifference(mod.forward(x, 'train').output, target)) as tf.Scalar,
      [...mod.denseVariables(), probe],
    );
    // Wait for the dense gradients too, so the split below is honest on async backends.
    await grads[mod.denseVariables()[0].name].data();
    const t1 = performance.now();
    await mod.applyValueGradients([grads[probe.name]], 1e-3);
    mod.commitBatchStatistics();
    const t2 = performance.now();
    tf.dispose([value, ...Object.values(grads)]);
    if (i >= WARMUP) {
      grad.push(t1 - t0);
      update.push(t2 - t1);
      total.push(t2 - t0);
    }
  }
  const kind = mod.valueUpdateKind;
  tf.dispose([x, target]);
  mod.dispose();
  return {
    slots: nKeys * nKeys,
    kind,
    forwardGrad: median(grad),
    update: median(update),
    step: median(total),
  };
}

if (backend === 'webgpu') {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
}
const STEPS = backend === 'webgpu' ? 8 : 20;
const WARMUP = backend === 'webgpu' ? 3 : 5;
await tf.setBackend(backend);
await tf.ready();
console.log(
  `backend ${tf.getBackend()}, N ${n}, d_in 64, heads 2, k_dim 32, knn 8, v_dim 64 (median of ${STEPS} steps, ms)`,
);
for (const nKeys of [32, 512]) {
  const r = await measure(nKeys);
  console.log(
    `n_keys ${nKeys} (${r.slots} slots, ${r.kind}): forward+grad ${r.forwardGrad.toFixed(1)}, sparse update ${r.update.toFixed(1)}, step ${r.step.toFixed(1)}`,
  );
}
