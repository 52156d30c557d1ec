import * as tf from '@tensorflow/tfjs';
import type { DenseAdamArgs } from '../denseAdam';
import { isCpuBackend, valuesOf } from './backendArrays';

/**
 * Dense Adam on the cpu backend: JS loops straight over the backend's typed arrays. The wasm
 * kernel runs the same loop over heap views (denseAdamLoop below).
 */

/** The float32 storage of every tensor the update touches, in the order of `args`. */
export interface DenseAdamArrays {
  params: Float32Array[];
  grads: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
  /** [gradScale, apply] */
  control: Float32Array;
}

/**
 * The update over plain arrays. Every operation is rounded to float32 in the order the reference
 * runs its tfjs ops, so the result matches it (to the last bit where the backend's ops round
 * each step, as cpu and wasm do). A masked step (apply = 0) returns before writing anything.
 */
export function denseAdamLoop(arrays: DenseAdamArrays, args: DenseAdamArgs): void {
  const f = Math.fround;
  if (!(arrays.control[1] > 0)) return;
  const scale = arrays.control[0];
  const beta1 = f(args.beta1);
  const beta2 = f(args.beta2);
  const oneMinusBeta1 = f(1 - args.beta1);
  const oneMinusBeta2 = f(1 - args.beta2);
  const eps = f(args.eps);
  const stepSize = f(args.stepSize);
  for (let k = 0; k < arrays.params.length; k++) {
    const p = arrays.params[k];
    const g = arrays.grads[k];
    const m = arrays.m[k];
    const v = arrays.v[k];
    for (let i = 0; i < p.length; i++) {
      const gi = f(g[i] * scale);
      const mi = f(f(m[i] * beta1) + f(gi * oneMinusBeta1));
      const vi = f(f(v[i] * beta2) + f(f(gi * gi) * oneMinusBeta2));
      const step = f(f(mi / f(f(Math.sqrt(vi)) + eps)) * stepSize);
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - step;
    }
  }
}

export function denseAdamCpu(args: DenseAdamArgs): void {
  const backend = tf.backend();
  if (!isCpuBackend(backend)) throw new Error('cpu dense Adam: the backend is not cpu');
  const array = (t: tf.Tensor): Float32Array => {
    const values = valuesOf(backend, t, Float32Array, 'dense Adam');
    if (values.length !== t.size) throw new Error('cpu dense Adam: a tensor does not fill its array');
    return values;
  };
  denseAdamLoop(
    {
      params: args.variables.map(array),
      grads: args.grads.map(array),
      m: args.m.map(array),
      v: args.v.map(array),
      control: array(args.control),
    },
    args,
  );
}
