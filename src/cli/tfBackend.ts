/** tfjs in Node for the CLI: the wasm backend (no path setup is needed in Node). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export async function startWasmBackend(): Promise<typeof tf> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to start');
  await tf.ready();
  return tf;
}
