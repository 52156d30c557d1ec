import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** Switches to `name` (cpu, wasm or webgpu where registered), failing if it does not start. */
export async function onBackend(name: string): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`${name} did not start`);
  await tf.ready();
}
