import type * as tf from '@tensorflow/tfjs';
import { BATCH_NORM, BATCH_NORM_GRAD, batchNormInput, batchNormSizes } from '../batchNormKernels';
import { batchNormGradLoops, batchNormRowsLoops } from '../cpu/batchNorm';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The fused BatchNorm over rows on tfjs's wasm backend: the SIMD kernels of
 * ./assembly/batchNorm.ts (float64, one column per f64x2 lane, any width) where WebAssembly SIMD
 * runs, else the cpu file's float64 loops over views of the wasm heap; the two agree bit for bit.
 * Outputs are allocated first and views taken after the last allocation (an allocation may grow
 * the heap and detach earlier views).
 */

const view = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'batch norm');

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => batchNormInput(inputs, name));
  const sizes = batchNormSizes(x, [gamma, beta], [], attrs);
  const y = b.makeOutput(x.shape, 'float32');
  const mean = b.makeOutput(gamma.shape, 'float32');
  const variance = b.makeOutput(gamma.shape, 'float32');
  const simd = wasmSimd(b);
  if (simd) {
    const [xAt, gAt, bAt, yAt, mAt, vAt] = [x, gamma, beta, y, mean, variance].map((t) => simd.at(t));
    // Scratch: the columns' float64 mean and rstd.
    simd.withScratch([16 * sizes.cols], ([stats]) =>
      simd.run.batchNormForward(xAt, gAt, bAt, yAt, mAt, vAt, stats, sizes.rows, sizes.cols, sizes.eps),
    );
  } else {
    const [xv, gv, bv, yv, mv, vv] = [x, gamma, beta, y, mean, variance].map((t) => view(b, t));
    batchNormRowsLoops(xv, gv, bv, sizes, yv, mv, vv);
  }
  return [y, mean, variance];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => batchNormInput(inputs, name));
  const sizes = batchNormSizes(x, [gamma], [dy], attrs);
  const dx = b.makeOutput(x.shape, 'float32');
  const dgamma = b.makeOutput(gamma.shape, 'float32');
  const dbeta = b.makeOutput(gamma.shape, 'float32');
  const simd = wasmSimd(b);
  if (simd) {
    const [xAt, gAt, dyAt, dxAt, dgAt, dbAt] = [x, gamma, dy, dx, dgamma, dbeta].map((t) => simd.at(t));
    // Scratch: the columns' float64 mean, rstd, Σ dy, Σ dy·x̂ and gamma·rstd.
    simd.withScratch([40 * sizes.cols], ([stats]) =>
      simd.run.batchNormBackward(xAt, gAt, dyAt, dxAt, dgAt, dbAt, stats, sizes.rows, sizes.cols, sizes.eps),
    );
  } else {
    const [xv, gv, dyv, dxv, dgv, dbv] = [x, gamma, dy, dx, dgamma, dbeta].map((t) => view(b, t));
    batchNormGradLoops(xv, gv, dyv, sizes, dxv, dgv, dbv);
  }
  return [dx, dgamma, dbeta];
};

export const WASM_BATCH_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
