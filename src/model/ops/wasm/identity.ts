import * as tf from '@tensorflow/tfjs';
import { kernelMode } from '../kernelMode';

/**
 * A zero-copy Identity for tfjs's wasm backend. tfjs clones every tensor a differentiable op saves
 * for its backward (and tf.clone, variables' initial values…) through the Identity kernel, which
 * on wasm copies the data; on cpu and WebGPU it shares the buffer under a reference count. On the
 * default model that is ~1,250 copies per training step (~400 with the fused ops). This kernel
 * shares the buffer the way wasm's own Reshape does (incRef), so wasm behaves like cpu.
 *
 * Sharing is safe because tfjs kernels never write into their inputs; the only in-place writers
 * are this project's optimisers, which already expect shared storage on cpu (ops/denseAdam.ts
 * gives a variable storage of its own before writing; the sparse update writes the value table,
 * whose saved clones are released by the backward before the update runs). In 'reference' kernel
 * mode the original copying kernel runs.
 */

interface WasmIdentityBackend {
  incRef(dataId: object): void;
}

let original: tf.KernelConfig | null = null;

const sharedIdentity: tf.KernelFunc = (args) => {
  const x = args.inputs.x;
  if (!x) throw new Error('Identity: missing input x');
  if (kernelMode('identity') === 'reference' || x.dtype === 'string' || !original) {
    return (original as tf.KernelConfig).kernelFunc(args);
  }
  (args.backend as unknown as WasmIdentityBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Puts the sharing Identity in place of wasm's, once the wasm backend's kernels are registered
 * (idempotent; cheap enough to call before every step).
 */
export function ensureSharedWasmIdentity(): void {
  const current = tf.getKernel('Identity', 'wasm');
  if (!current || current.kernelFunc === sharedIdentity) return;
  original = current;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity });
}
