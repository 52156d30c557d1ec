import type * as tf from '@tensorflow/tfjs';
import { GELU, GELU_CUBIC, GELU_GRAD, GELU_SATURATION, GELU_SCALE, geluInput } from '../geluKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The GELU kernels on the cpu backend, and the element math they share with the wasm kernels
 * (which run the same loops over views of the wasm heap). Each element is computed in float64
 * and rounded once on the store, so the result is within an ulp or two of the reference's chain
 * of float32 ops, not bit for bit.
 */

/*
 * σ(z) and 1 − σ(z) are taken from e = exp(−|z|) ≤ 1 (r = 1/(1 + e); σ = r, 1 − σ = e·r for
 * z ≥ 0, swapped below): exp never overflows, and 1 − σ keeps its relative precision where σ is
 * near 1, which the derivative needs. Written inline: the loops allocate nothing per element.
 */

/** y[i] = x[i]·σ(z), z = GELU_SCALE·(x + GELU_CUBIC·x³); the limits x and 0 past saturation. */
export function geluLoop(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v > GELU_SATURATION) y[i] = v;
    else if (v < -GELU_SATURATION) y[i] = 0;
    else {
      const z = GELU_SCALE * (v + GELU_CUBIC * v * v * v);
      const e = Math.exp(-Math.abs(z));
      const r = 1 / (1 + e);
      y[i] = v * (z >= 0 ? r : e * r);
    }
  }
}

/**
 * dx[i] = dy[i]·gelu'(x[i]), the exact derivative of the same formula:
 * gelu'(x) = σ(z) + x·σ(z)(1 − σ(z))·GELU_SCALE·(1 + 3·GELU_CUBIC·x²); 1 and 0 past saturation.
 * NaN in x or dy gives NaN (comparisons with NaN are false, so it takes the formula).
 */
export function geluGradLoop(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    let d: number;
    if (v > GELU_SATURATION) d = 1;
    else if (v < -GELU_SATURATION) d = 0;
    else {
      const z = GELU_SCALE * (v + GELU_CUBIC * v * v * v);
      const e = Math.exp(-Math.abs(z));
      const r = 1 / (1 + e);
      // σ(1 − σ) = e·r² on both sides of 0.
      const s = z >= 0 ? r : e * r;
      d = s + v * e * r * r * GELU_SCALE * (1 + 3 * GELU_CUBIC * v * v);
    }
    dx[i] = dy[i] * d;
  }
}

function floatValues(backend: CpuBackendLike, inputs: tf.NamedTensorInfoMap, name: string): Float32Array {
  return valuesOf(backend, geluInput(inputs, name, 'cpu'), Float32Array, 'gelu');
}

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const x = floatValues(b, inputs, 'x');
  const y = new Float32Array(x.length);
  geluLoop(x, y);
  return b.makeTensorInfo(inputs.x!.shape, 'float32', y);
};

const geluGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const x = floatValues(b, inputs, 'x');
  const dy = floatValues(b, inputs, 'dy');
  if (dy.length !== x.length) throw new Error('cpu gelu gradient: dy and x must have the same size');
  const dx = new Float32Array(x.length);
  geluGradLoop(dy, x, dx);
  return b.makeTensorInfo(inputs.x!.shape, 'float32', dx);
};

export const CPU_GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: GELU, backendName: 'cpu', kernelFunc: geluKernel },
  { kernelName: GELU_GRAD, backendName: 'cpu', kernelFunc: geluGradKernel },
];
