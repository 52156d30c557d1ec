import * as tf from '@tensorflow/tfjs';
import type { Selection } from '../memory/select';
import { differentiableSelection } from '../memory/selectionOp';
import { productSubScoreBlocks, productSubScores, splitHalves } from '../memory/subScores';
import type { MemorySpec } from '../memory/types';
import { CPU_KERNELS } from './cpu/kernels';
import { kernelMode } from './kernelMode';
import {
  PRODUCT_QUERY_GRAD,
  PRODUCT_SCORE_TOPK,
  PRODUCT_SELECT_GRAD,
  PRODUCT_SUBSCORE_GRAD,
  PRODUCT_TOPK,
} from './productSelectKernels';
import { registerKernels } from './registerKernels';
import { productScoreTopKRuns, WASM_KERNELS } from './wasm/kernels';
import { WEBGPU_KERNELS } from './webgpu/kernels';

/**
 * The fused product-key selection: one op from (normalised query, sub-key table) to the k best
 * slots of every (row, head) and their raw scores, with its gradient. The sub-key scores are one
 * matMul per (head, half) as in the reference (on cpu, and on wasm without SIMD); then a
 * single kernel per backend does both halves' top-k and their merge and writes [N, heads, knn]
 * directly, where the reference (select.ts, kept as is) needs three tf.topk, one-hot matMuls,
 * gathers and transposes. Slots equal the reference's bit for bit (same candidates, same total
 * order: score desc, then slot id asc), and so do the scores (the same float32 sums).
 *
 * On wasm with WebAssembly SIMD and on WebGPU, PRODUCT_SCORE_TOPK takes q and the keys instead.
 * On wasm one kernel computes each block's scores into a buffer that stays in cache and runs the
 * same top-k on it, with the sums XNNPACK forms for those matMuls, so the bits are the same again
 * (it saves the matMuls' 4 MB round trip through memory and the unstack copies at 512 sub-keys).
 * On WebGPU a program of one thread per score replaces the matMul (same sums, no workgroup tiles),
 * then the same selection programs run.
 *
 * Gradient (for fixed slots, as the reference's): cpu and wasm run one kernel that adds dy·key
 * rows into dq and dy·query halves into the selected sub-key rows; webgpu sums dq over each row's
 * selected sub-keys (PRODUCT_QUERY_GRAD) and writes the dense gradient of the sub-key scores for
 * dKeys (many rows add into one sub-key: a matMul, the transpose of the forward's, needs no atomics).
 */

registerKernels([...CPU_KERNELS, ...WASM_KERNELS, ...WEBGPU_KERNELS]);

type GradRoute = 'sparse' | 'subScores';

function gradRoute(backend: string): GradRoute | null {
  if (tf.getKernel(PRODUCT_SELECT_GRAD, backend)) return 'sparse';
  if (tf.getKernel(PRODUCT_SUBSCORE_GRAD, backend) && tf.getKernel(PRODUCT_QUERY_GRAD, backend))
    return 'subScores';
  return null;
}

/**
 * Whether the selection starts from q and the keys (PRODUCT_SCORE_TOPK, which computes the sub-key
 * scores itself) rather than from matMul scores: where the kernel is registered and, on wasm,
 * where its SIMD module runs.
 */
function scoresInKernel(backend: string): boolean {
  if (!tf.getKernel(PRODUCT_SCORE_TOPK, backend)) return false;
  return backend !== 'wasm' || productScoreTopKRuns(tf.backend());
}

/** Whether the fused op runs now: kernel mode 'fused' and kernels for the active backend. */
export function fusedProductSelectAvailable(): boolean {
  if (kernelMode('productSelect') !== 'fused') return false;
  const backend = tf.getBackend();
  return tf.getKernel(PRODUCT_TOPK, backend) != null && gradRoute(backend) !== null;
}

/** The forward alone (no gradient): slots int32 and raw scores, [N, heads, knn]. */
export function fusedProductTopK(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): Selection {
  const attrs = { heads: spec.heads, knn: spec.knn };
  if (scoresInKernel(tf.getBackend())) {
    const [slots, scores] = tf
      .engine()
      .runKernel(PRODUCT_SCORE_TOPK, { q: qn, keys }, attrs) as tf.Tensor3D[];
    return { slots, scores };
  }
  return tf.tidy(() => {
    // On wasm the sub-key scores are per-block 2D matMuls (XNNPACK); the kernel takes the blocks
    // as they come rather than after a stack copy. Elsewhere: one batched matMul.
    const inputs: tf.NamedTensorMap =
      tf.getBackend() === 'wasm'
        ? Object.fromEntries(productSubScoreBlocks(qn, keys, spec).map((t, b) => [`sub${b}`, t]))
        : { subScores: productSubScores(qn, keys, spec) };
    const [slots, scores] = tf.engine().runKernel(PRODUCT_TOPK, inputs, attrs) as tf.Tensor3D[];
    return { slots, scores };
  });
}

function selectionGradient(
  dy: tf.Tensor3D,
  q: tf.Tensor2D,
  keys: tf.Tensor,
  slots: tf.Tensor3D,
  spec: MemorySpec,
): [tf.Tensor, tf.Tensor] {
  const attrs = { heads: spec.heads, nKeys: spec.n_keys };
  const route = gradRoute(tf.getBackend());
  if (route === 'sparse') {
    return tf.engine().runKernel(PRODUCT_SELECT_GRAD, { dy, slots, q, keys }, attrs) as [
      tf.Tensor,
      tf.Tensor,
    ];
  }
  if (route !== 'subScores')
    throw new Error(`fused product select: no gradient kernel on ${tf.getBackend()}`);
  const dSub = tf.engine().runKernel(PRODUCT_SUBSCORE_GRAD, { dy, slots }, attrs) as tf.Tensor3D;
  // sub = q_blocks · table_blocksᵀ, so dq_blocks = dSub · table, which PRODUCT_QUERY_GRAD sums over
  // the selected sub-keys alone (knn terms a row), and dTable = dSubᵀ · q_blocks.
  const dq = tf.engine().runKernel(PRODUCT_QUERY_GRAD, { dy, slots, keys }, attrs) as tf.Tensor;
  const dKeys = tf.reshape(tf.matMul(dSub, splitHalves(q, spec), true, false), keys.shape);
  return [dq, dKeys];
}

/**
 * The differentiable fused selection: slots (int32, no gradient) and raw scores whose gradient
 * flows to `qn` and `keys`. Same contract and scope handling as select.ts' reference op.
 */
export function fusedProductSelect(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): Selection {
  return differentiableSelection(
    qn,
    keys,
    (q, k) => fusedProductTopK(q, k, spec),
    (dy, q, k, slots) => selectionGradient(dy, q, k, slots, spec),
  );
}

/**
 * The product-key selection the memory module uses: the fused op when it can run, else the
 * plain-op reference (kernel mode 'reference', or no kernels for the active backend).
 */
export function selectProductWithGradient(
  qn: tf.Tensor2D,
  keys: tf.Tensor,
  spec: MemorySpec,
  reference: (qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec) => Selection,
): Selection {
  return fusedProductSelectAvailable() ? fusedProductSelect(qn, keys, spec) : reference(qn, keys, spec);
}
