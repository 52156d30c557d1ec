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
