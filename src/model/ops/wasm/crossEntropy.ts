import type * as tf from '@tensorflow/tfjs';
import { crossEntropyFinish, crossEntropyGradRows, crossEntropyRowSums } from '../cpu/crossEntropy';
import {
  CROSS_ENTROPY,
  CROSS_ENTROPY_GRAD,
  crossEntropyInput,
  crossEntropySizes,
} from '../crossEntropyKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The fused cross-entropy on tfjs's wasm backend. With WebAssembly SIMD the O(N·V) loops run in
 * ./assembly/crossEntropy.ts (float32 polynomial exp, row sums in float64) and the forward's O(N)
 * finish (logs, targets, mean) is the cpu file's, over heap views; without SIMD all of it is the cpu
 * file's float64 loops. The two paths differ by the exp only: ~1 float32 ulp per term. Outputs
 * and scratch are allocated first and every view is taken after (an allocation may grow the heap).
 */

const OP = 'cross entropy';
const floats = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, OP);
const ints = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Int32Array, OP);

const forwardKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const logits = crossEntropyInput(inputs, 'logits', 'float32', 'wasm');
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'wasm');
  const { rows, cols } = crossEntropySizes(logits, targets, 'wasm');
  const loss = b.makeOutput([], 'float32');
  const stats = b.makeOutput([rows, 2], 'float32');
  const finish = (sums: Float64Array) => {
    const x = floats(b, logits);
    floats(b, loss)[0] = crossEntropyFinish(x, ints(b, targets), rows, cols, floats(b, stats), sums);
  };
  const simd = wasmSimd(b);
  if (simd) {
    simd.withScratch([8 * rows], ([sums]) => {
      simd.run.crossEntropyRows(simd.at(logits), rows, cols, simd.at(stats), sums);
      finish(new Float64Array(simd.memory.buffer, sums, rows));
    });
  } else {
    const sums = new Float64Array(rows);
    crossEntropyRowSums(floats(b, logits), rows, cols, floats(b, stats), sums);
    finish(sums);
  }
  return [loss, stats];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, logits, stats] = ['dy', 'logits', 'stats'].map((name) =>
    crossEntropyInput(inputs, name, 'float32', 'wasm'),
  );
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'wasm');
  const { rows, cols } = crossEntropySizes(logits, targets, 'wasm', stats, dy);
  const dx = b.makeOutput([rows, cols], 'float32');
  const scale = floats(b, dy)[0] / rows;
  const simd = wasmSimd(b);
  if (simd) {
    const [x, t, s, out] = [logits, targets, stats, dx].map((tensor) => simd.at(tensor));
    simd.run.crossEntropyGrad(x, t, s, out, rows, cols, scale);
  } else {
    crossEntropyGradRows(
      floats(b, logits),
      ints(b, targets),
      floats(b, stats),
      scale,
      rows,
      cols,
      floats(b, dx),
    );
  }
  return dx;
};

export const WASM_CROSS_ENTROPY_KERNELS: tf.KernelConfig[] = [
  { kernelName: CROSS_ENTROPY, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: CROSS_ENTROPY_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
