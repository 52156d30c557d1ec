import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { BIAS_GRAD } from '../../../src/model/ops/biasGradKernels';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedBiasGradAvailable, linearRows, linearRowsReference } from '../../../src/model/ops/linear';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import { kernelsOf } from './layerNormCases';
import { onBackend } from './onBackend';

/** (rows, in, out): the default model's 512 × 64 → 192, odd widths (a SIMD tail), one row. */
const SIZES: [number, number, number][] = [
  [512, 64, 192],
  [7, 5, 6],
  [33, 3, 130],
  [1, 2, 1],
];

function randoms(n: number, seed: number, scale: number): Float32Array {
  return new RandomStream(seed, 1, n).fillUniform(new Float32Array(n), scale);
}

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/** y and the gradients of Σ y·dy for x [rows, in], W [in, out], b [out]. */
async function run(
  op: typeof linearRows,
  [rows, inDim, outDim]: [number, number, number],
  seed: number,
): Promise<Result> {
  const x = tf.tensor2d(randoms(rows * inDim, seed, 1), [rows, inDim]);
  const w = tf.tensor2d(randoms(inDim * outDim, seed + 1, 0.5), [inDim, outDim]);
  const b = tf.tensor1d(randoms(outDim, seed + 2, 0.1));
  const dy = tf.tensor2d(randoms(rows * outDim, seed + 3, 1), [rows, outDim]);
  const y = op(x, w, b);
  const grads = tf.grads((a, c, d) => op(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D))(
    [x, w, b],
    dy,
  );
  const [yv, dx, dw, db] = (await Promise.all([y, ...grads].map((t) => t.data()))) as Float32Array[];
  tf.dispose([x, w, b, dy, y, ...grads]);
  return { y: yv, dx, dw, db };
}

/** Σ over rows of dy in float64: the exact column sums the kernels round. */
function bruteColumnSums(dy: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += dy[r * cols + c];
  return out;
}

describe.each(['cpu', 'wasm'] as const)('linear layer with the fused bias gradient on %s', (backend) => {
  it.each(SIZES.map((s) => [s.join(' × '), s] as const))(
    'rows × in × out = %s: y, dx, dW and db = the reference bit for bit',
    async (_, sizes) => {
      await onBackend(backend);
      const fused = await withKernelMode('fused', () => run(linearRows, sizes, 5));
      const reference = await run(linearRowsReference, sizes, 5);
      expect(fused).toEqual(reference);
    },
  );

  it('the kernel alone: = tf.sum over rows bit for bit, and = float64 column sums to float32 rounding', async () => {
    await onBackend(backend);
    for (const [rows, , cols] of SIZES) {
      const values = randoms(rows * cols, 9, 1);
      const dy = tf.tensor2d(values, [rows, cols]);
      const fused = tf.engine().runKernel(BIAS_GRAD, { dy }) as tf.Tensor;
      const summed = tf.sum(dy, 0);
      const [got, want] = (await Promise.all([fused.data(), summed.data()])) as Float32Array[];
      tf.dispose([dy, fused, summed]);
      expect(got).toEqual(want);
      // A float32 sum of `rows` terms in (−1, 1) is within rows·ε of the exact sum.
      const exact = bruteColumnSums(values, rows, cols);
      for (let c = 0; c < cols; c++) expect(Math.abs(got[c] - exact[c])).toBeLessThanOrEqual(rows * 1.2e-7);
    }
  });

  it("'fused' runs PkmBiasGrad instead of Sum in the backward; 'reference' and referenceOps run Sum", async () => {
    await onBackend(backend);
    const x = tf.tensor2d(randoms(12, 1, 1), [4, 3]);
    const w = tf.tensor2d(randoms(6, 2, 1), [3, 2]);
    const b = tf.tensor1d([0.5, -0.5]);
    const backward = () =>
      tf.grads((a, c, d) => linearRows(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D))([x, w, b]);
    const fused = await withKernelMode('fused', () => kernelsOf(backward));
    expect(fused).toContain(BIAS_GRAD);
    expect(fused).not.toContain('Sum');
    for (const [mode, referenceOps] of [
      ['reference', []],
      ['fused', ['biasGrad']],
    ] as const) {
      const names = await withKernelMode(mode, () => kernelsOf(backward), {
        referenceOps: [...referenceOps],
      });
      expect(names).toContain('Sum');
      expect(names).not.toContain(BIAS_GRAD);
    }
    await withKernelMode('fused', () => expect(fusedBiasGradAvailable()).toBe(true));
    tf.dispose([x, w, b]);
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onBackend(backend);
    await withKernelMode('fused', () => run(linearRows, [7, 5, 6], 1));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await withKernelMode('fused', () => run(linearRows, [7, 5, 6], i));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the fused bias gradient on wasm without SIMD', () => {
  it('the JS float32 sums = the SIMD kernel = tf.sum, bit for bit', async () => {
    await onBackend('wasm');
    expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
    const dy = tf.tensor2d(randoms(33 * 130, 4, 1), [33, 130]);
    const simd = tf.engine().runKernel(BIAS_GRAD, { dy }) as tf.Tensor;
    setWasmSimdEnabled(false);
    let loops: tf.Tensor;
    try {
      loops = tf.engine().runKernel(BIAS_GRAD, { dy }) as tf.Tensor;
    } finally {
      setWasmSimdEnabled(true);
    }
    const summed = tf.sum(dy, 0);
    const [a, b, c] = await Promise.all([simd, loops, summed].map((t) => t.data()));
    expect(a).toEqual(c);
    expect(b).toEqual(c);
    tf.dispose([dy, simd, loops, summed]);
  });
});
