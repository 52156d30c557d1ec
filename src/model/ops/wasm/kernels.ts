import type * as tf from '@tensorflow/tfjs';
import { productSelectGrad } from '../cpu/productSelectGrad';
import { productTopK } from '../cpu/productTopK';
import {
  type GradAttrs,
  inputOf,
  numberAttrs,
  PRODUCT_SCORE_TOPK,
  PRODUCT_SELECT_GRAD,
  PRODUCT_TOPK,
  scoreTopKInputs,
  subScoreBlocks,
  type TopKAttrs,
} from '../productSelectKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The product-key selection kernels on tfjs's wasm backend: the top-k and the gradient in
 * WebAssembly SIMD (./assembly/productTopK.ts, the same lists as the JS loops;
 * ./assembly/productSelectGrad.ts, the same bits) where it runs, else JS loops over views of
 * the wasm heap (no copy in or out): outputs are allocated on the heap by the backend first, and
 * every view is taken after the last allocation, since an allocation may grow the heap and detach
 * earlier views.
 */

const OP = 'product select';

const topKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const { heads, knn } = numberAttrs<TopKAttrs>(attrs, ['heads', 'knn']);
  const parts = subScoreBlocks(inputs, heads, knn, (t, block) => ({ t, block }));
  const { rows, nKeys } = parts;
  const slots = b.makeOutput([rows, heads, knn], 'int32');
  const scores = b.makeOutput([rows, heads, knn], 'float32');
  const simd = wasmSimd(b);
  if (simd) {
    // The SIMD kernel reads the blocks where they are: a table of their heap addresses in scratch.
    const starts = parts.blocks.map(({ t, block }) => simd.at(t) + (block ?? 0) * rows * nKeys * 4);
    const tableBytes = 4 * starts.length;
    const listBytes = simd.run.productTopKScratch(knn);
    simd.withScratch([tableBytes, listBytes], ([table, lists]) => {
      new Int32Array(simd.memory.buffer, table, starts.length).set(starts);
      simd.run.productTopK(table, heads, rows, nKeys, knn, simd.at(slots), simd.at(scores), lists);
    });
    return [slots, scores];
  }
  // Views only now, after the last allocation.
  const blocks = parts.blocks.map(({ t, block }) => {
    const whole = heapView(b, t, Float32Array, OP);
    return block === null ? whole : whole.subarray(block * rows * nKeys, (block + 1) * rows * nKeys);
  });
  productTopK(
    blocks,
    heads,
    rows,
    nKeys,
    knn,
    heapView(b, slots, Int32Array, OP),
    heapView(b, scores, Float32Array, OP),
  );
  return [slots, scores];
};

/** Whether PRODUCT_SCORE_TOPK runs on `backend` (it needs the SIMD module; else the op takes the matMuls). */
export function productScoreTopKRuns(backend: tf.KernelBackend): boolean {
  return wasmSimd(backend as unknown as WasmBackendLike) !== null;
}

const scoreTopKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const { heads, knn, q, keys, rows, nKeys, half } = scoreTopKInputs(inputs, attrs);
  const simd = wasmSimd(b);
  if (!simd) throw new Error('product scores and top-k: WebAssembly SIMD is not available');
  const slots = b.makeOutput([rows, heads, knn], 'int32');
  const scores = b.makeOutput([rows, heads, knn], 'float32');
  const scratch = simd.run.productScoreTopKScratch(heads, rows, nKeys, half, knn);
  simd.withScratch([scratch], ([at]) => {
    simd.run.productScoreTopK(
      simd.at(q),
      simd.at(keys),
      heads,
      rows,
      nKeys,
      half,
      knn,
      simd.at(slots),
      simd.at(scores),
      at,
    );
  });
  return [slots, scores];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const { heads, nKeys } = numberAttrs<GradAttrs>(attrs, ['heads', 'nKeys']);
  const [dy, slots, q, keys] = ['dy', 'slots', 'q', 'keys'].map((name) => inputOf(inputs, name));
  const [rows, , knn] = dy.shape;
  const dq = b.makeOutput(q.shape, 'float32');
  const dKeys = b.makeOutput(keys.shape, 'float32');
  const kDim = q.shape[1] / heads;
  const half = kDim / 2;
  const simd = wasmSimd(b);
  const typed = slots.dtype === 'int32' && [dy, q, keys].every((t) => t.dtype === 'float32');
  // The SIMD kernel gives the JS loop's bits; it declines (0) a slot outside [0, nKeys²), which
  // would address past the keys, and the JS loop below then runs as it always did.
  if (simd && typed && Number.isInteger(half) && half > 0) {
    const [pDy, pSlots, pQ, pKeys, pDq, pDKeys] = [dy, slots, q, keys, dq, dKeys].map((t) => simd.at(t));
    const done = simd.run.productSelectGrad(
      pDy,
      pSlots,
      pQ,
      pKeys,
      pDq,
      pDKeys,
      heads,
      rows,
      nKeys,
      knn,
      half,
    );
    if (done) return [dq, dKeys];
  }
  productSelectGrad(
    heapView(b, dy, Float32Array, OP),
    heapView(b, slots, Int32Array, OP),
    heapView(b, q, Float32Array, OP),
    heapView(b, keys, Float32Array, OP),
    { heads, rows, nKeys, knn, kDim },
    heapView(b, dq, Float32Array, OP),
    heapView(b, dKeys, Float32Array, OP),
  );
  return [dq, dKeys];
};

export const WASM_KERNELS: tf.KernelConfig[] = [
  { kernelName: PRODUCT_TOPK, backendName: 'wasm', kernelFunc: topKKernel },
  { kernelName: PRODUCT_SCORE_TOPK, backendName: 'wasm', kernelFunc: scoreTopKKernel },
  { kernelName: PRODUCT_SELECT_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
