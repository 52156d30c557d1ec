import * as tf from '@tensorflow/tfjs';

/** Registers each kernel that tfjs does not have yet. */
export function registerKernels(configs: readonly tf.KernelConfig[]): void {
  for (const kernel of configs) {
    // A module evaluated twice (tests, hot reload) must not register twice: tfjs warns and keeps one.
    if (!tf.getKernel(kernel.kernelName, kernel.backendName)) tf.registerKernel(kernel);
  }
}

/** Whether `backend` has a kernel for every one of `names`. */
export function hasKernels(backend: string, ...names: string[]): boolean {
  return names.every((name) => tf.getKernel(name, backend) != null);
}

/**
 * A kernel's named input, checked present and of `dtype` (tfjs types inputs as possibly missing);
 * `op` names the kernel in the error ("layer norm kernel: missing input x").
 */
export function kernelInput(
  inputs: tf.NamedTensorInfoMap,
  name: string,
  op: string,
  dtype: tf.DataType = 'float32',
): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${op}: missing input ${name}`);
  if (t.dtype !== dtype) throw new Error(`${op}: input ${name} must be ${dtype}, got ${t.dtype}`);
  return t;
}
