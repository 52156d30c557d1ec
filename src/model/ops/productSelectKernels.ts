import type * as tf from '@tensorflow/tfjs';

/**
 * The kernels of the fused product-key selection op (src/model/ops/productSelect.ts), by name.
 * Each backend folder registers the ones it implements.
 */

/**
 * inputs {subScores [heads·2, N, n_keys]} — or, on cpu and wasm, {sub0, …, sub(heads·2 − 1)}, one
 * [N, n_keys] block each (saves the stack copy of wasm's per-block matMuls) — attrs {heads, knn}
 * → [slots int32, scores] [N, heads, knn].
 */
export const PRODUCT_TOPK = 'PkmProductTopK';

/**
 * wasm with WebAssembly SIMD: inputs {q [N, heads·k_dim], keys [heads, 2, n_keys, k_dim/2]}, attrs
 * {heads, knn} → [slots int32, scores] [N, heads, knn]: the sub-key scores and PRODUCT_TOPK in
 * one kernel, the same bits as the matMuls and PRODUCT_TOPK.
 */
export const PRODUCT_SCORE_TOPK = 'PkmProductScoreTopK';

/**
 * cpu, wasm: inputs {dy [N, heads, knn], slots, q [N, heads·k_dim], keys [heads, 2, n_keys, k_dim/2]},
 * attrs {heads, nKeys} → [dq, dKeys], the gradient of the selected scores (sparse, in JS loops).
 */
export const PRODUCT_SELECT_GRAD = 'PkmProductSelectGrad';

/**
 * webgpu: inputs {dy, slots}, attrs {heads, nKeys} → dSub [heads·2, N, n_keys], the gradient of the
 * selected scores w.r.t. the sub-key scores; the op turns it into dq and dKeys with two matMuls.
 */
export const PRODUCT_SUBSCORE_GRAD = 'PkmProductSubScoreGrad';

/**
 * webgpu: inputs {dy [N, heads, knn], slots, keys [heads, 2, n_keys, k_dim/2]}, attrs {heads, nKeys}
 * → dq [N, heads·k_dim]: each query half's gradient summed over its selected slots' sub-key rows
 * (knn terms per element) where the dense route multiplies dSub by the whole key table.
 */
export const PRODUCT_QUERY_GRAD = 'PkmProductQueryGrad';

export interface TopKAttrs {
  heads: number;
  knn: number;
}

export interface GradAttrs {
  heads: number;
  nKeys: number;
}

/** Reads the kernel's attributes (tfjs passes them as a loosely typed map). */
export function numberAttrs<T extends object>(attrs: tf.NamedAttrMap | undefined, names: (keyof T)[]): T {
  const out: Record<string, number> = {};
  for (const name of names) {
    const v = attrs?.[name as string];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`product select kernel: attribute ${String(name)} must be a positive integer`);
    out[name as string] = v;
  }
  return out as T;
}

/** A named kernel input (tfjs types them as possibly missing). */
export function inputOf(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`product select kernel: missing input ${name}`);
  return t;
}

/** The top-k kernels need knn ≤ n_keys (each half's list must fill) and [heads·2, N, n_keys] scores. */
export function checkTopKShape(subShape: number[], heads: number, knn: number): [number, number] {
  const [blocks, rows, nKeys] = subShape;
  if (subShape.length !== 3 || blocks !== heads * 2)
    throw new Error(`product top-k: sub-key scores must be [heads·2, N, n_keys], got [${subShape}]`);
  if (knn > nKeys) throw new Error(`product top-k: knn ${knn} exceeds n_keys ${nKeys}`);
  return [rows, nKeys];
}

/**
 * The sub-score inputs as heads·2 blocks of [N, n_keys], with N and n_keys. `view(t, block)` gives
 * one block: a slice of the stacked tensor (block index), or a whole block input (null).
 */
export function subScoreBlocks<T>(
  inputs: tf.NamedTensorInfoMap,
  heads: number,
  knn: number,
  view: (t: tf.TensorInfo, block: number | null) => T,
): { blocks: T[]; rows: number; nKeys: number } {
  const stacked = inputs.subScores;
  if (stacked) {
    const [rows, nKeys] = checkTopKShape(stacked.shape, heads, knn);
    return { blocks: Array.from({ length: heads * 2 }, (_, b) => view(stacked, b)), rows, nKeys };
  }
  const list = Array.from({ length: heads * 2 }, (_, b) => inputOf(inputs, `sub${b}`));
  const [rows, nKeys] = checkTopKShape([heads * 2, ...list[0].shape], heads, knn);
  if (list.some((t) => t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== nKeys))
    throw new Error('product top-k: sub-score blocks must all be [N, n_keys]');
  return { blocks: list.map((t) => view(t, null)), rows, nKeys };
}

/**
 * PRODUCT_SCORE_TOPK's inputs and sizes: q [N, heads·2·half] and keys (heads·2·n_keys·half
 * values), checked to fit `heads` and knn ≤ n_keys.
 */
export function scoreTopKInputs(
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap | undefined,
): TopKAttrs & { q: tf.TensorInfo; keys: tf.TensorInfo; rows: number; nKeys: number; half: number } {
  const { heads, knn } = numberAttrs<TopKAttrs>(attrs, ['heads', 'knn']);
  const [q, keys] = ['q', 'keys'].map((name) => inputOf(inputs, name));
  const [rows, width] = q.shape;
  const half = width / (2 * heads);
  const nKeys = keys.shape.reduce((a, d) => a * d, 1) / (2 * heads * half);
  if (q.shape.length !== 2 || !Number.isInteger(half) || !Number.isInteger(nKeys))
    throw new Error(
      `product scores and top-k: q [${q.shape}] and keys [${keys.shape}] do not fit ${heads} heads`,
    );
  checkTopKShape([2 * heads, rows, nKeys], heads, knn);
  return { heads, knn, q, keys, rows, nKeys, half };
}
