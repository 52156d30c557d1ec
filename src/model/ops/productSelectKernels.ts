import type * as tf from '@tensorflow/tfjs';

/**
 * The kernels of the fused product-key selection op (src/model/ops/productSelect.ts), by name.
 * Each backend folder registers the ones it implements.
 */

/** inputs {subScores [heads·2, N, n_keys]}, attrs {heads, knn} → [slots int32, scores] [N, heads, knn]. */
export const PRODUCT_TOPK = 'PkmProductTopK';

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
