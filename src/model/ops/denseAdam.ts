import * as tf from '@tensorflow/tfjs';
import { isCpuBackend } from './cpu/backendArrays';
import { denseAdamCpu } from './cpu/denseAdam';
import { kernelMode } from './kernelMode';
import { denseAdamWasm, isWasmAdamBackend } from './wasm/denseAdam';
import { denseAdamWebGpu, isWebGpuAdamBackend } from './webgpu/denseAdam';

/**
 * One dense Adam update of many variables, masked and clipped on the device.
 *
 * `control` is a float32 [2] tensor computed on the device by the trainer: [gradScale, apply].
 * gradScale is the global-norm clip factor; apply is 1 for a good step and 0 for a step to skip
 * (non-finite loss or gradient). A skipped step leaves every variable and moment bit for bit as
 * it was, so the CPU never has to read the step's statistics before queuing the update.
 *
 * The scalars that depend only on the step number (the schedule's lr, bias correction) are
 * computed on the CPU and folded into `stepSize` and `eps` as adam.ts did: identical to
 * m̂/(sqrt(v̂) + ε).
 */
export interface DenseAdamArgs {
  variables: tf.Variable[];
  grads: tf.Tensor[];
  m: tf.Variable[];
  v: tf.Variable[];
  control: tf.Tensor1D;
  stepSize: number;
  eps: number;
  beta1: number;
  beta2: number;
}

export type DenseAdamKernel = 'cpu' | 'wasm' | 'webgpu' | 'reference';

/** The kernel `applyDenseAdam` runs now: the backend's fused one in 'fused' mode, else the reference. */
export function denseAdamKernel(): DenseAdamKernel {
  if (kernelMode('denseAdam') === 'reference') return 'reference';
  const name = tf.getBackend();
  const backend = tf.backend();
  if (name === 'cpu' && isCpuBackend(backend)) return 'cpu';
  if (name === 'wasm' && isWasmAdamBackend(backend)) return 'wasm';
  if (name === 'webgpu' && isWebGpuAdamBackend(backend)) return 'webgpu';
  return 'reference';
}

/** Applies one update in place (variables and moments keep their tensors on the fused paths). */
export function applyDenseAdam(args: DenseAdamArgs): void {
  const n = args.variables.length;
  if (args.grads.length !== n || args.m.length !== n || args.v.length !== n)
    throw new Error('dense Adam: variables, gradients and moments must have the same length');
  if (args.control.size !== 2) throw new Error('dense Adam: control must be [gradScale, apply]');
  const kernel = denseAdamKernel();
  if (kernel !== 'reference') {
    // In-place writes must not reach another tensor that shares a variable's storage.
    for (const list of [args.variables, args.m, args.v]) list.forEach(ownStorage);
  }
  const run = {
    cpu: denseAdamCpu,
    wasm: denseAdamWasm,
    webgpu: denseAdamWebGpu,
    reference: denseAdamReference,
  };
  run[kernel](args);
}

/** Storage this module copied for a variable, so it knows no other tensor or array shares it. */
const owned = new WeakSet<object>();

/**
 * A variable made with tf.variable(t) or assigned t shares t's storage while t lives, and on the
 * cpu backend tf.tensor(array) keeps the caller's array itself (a checkpoint's weights): give each
 * variable a copy of its own once (after every outside assign) before writing into it. x·1 is
 * exact, -0 and NaN included.
 */
function ownStorage(variable: tf.Variable): void {
  if (owned.has(variable.dataId)) return;
  const copy = tf.tidy(() => tf.mul(variable, tf.scalar(1)));
  variable.assign(copy);
  copy.dispose();
  owned.add(variable.dataId);
}

/** The plain tfjs-op update (adam.ts before the fused kernels), masked with tf.where. */
export function denseAdamReference(args: DenseAdamArgs): void {
  const { variables, grads, m, v, control, stepSize, eps, beta1, beta2 } = args;
  tf.tidy(() => {
    const scale = tf.slice(control, [0], [1]).reshape([]);
    const apply = tf.greater(tf.slice(control, [1], [1]).reshape([]), 0);
    // tf.where tiles a scalar condition to the full shape on every call: tile it once per shape.
    const conditions = new Map<string, tf.Tensor>();
    const conditionFor = (shape: number[]) => {
      const key = shape.join(',');
      let cond = conditions.get(key);
      if (!cond) {
        cond = tf.broadcastTo(apply, shape);
        conditions.set(key, cond);
      }
      return cond;
    };
    variables.forEach((param, i) => {
      const g = grads[i].mul(scale);
      const mi = m[i].mul(beta1).add(g.mul(1 - beta1));
      const vi = v[i].mul(beta2).add(g.square().mul(1 - beta2));
      const next = param.sub(mi.div(vi.sqrt().add(eps)).mul(stepSize));
      const cond = conditionFor(param.shape);
      m[i].assign(tf.where(cond, mi, m[i]));
      v[i].assign(tf.where(cond, vi, v[i]));
      param.assign(tf.where(cond, next, param));
    });
  });
}
