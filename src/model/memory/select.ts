import * as tf from '@tensorflow/tfjs';
import { selectProductWithGradient } from '../ops/productSelect';
import { differentiableSelection } from './selectionOp';
import { blockScores, productSubScores } from './subScores';
import type { MemorySpec } from './types';

/**
 * The exact top-k search over the memory slots, for product keys and flat keys.
 *
 * Order: every selection ranks by score descending, ties by the lower slot id (tf.topk keeps the
 * lower index first on ties on cpu, wasm and webgpu; test/unit/memory checks it on each).
 *
 * Product keys are exact under that order: with I1, I2 the top-k sub-key indices of each half, the
 * best k of all n² slots lie in I1 × I2 (a slot (i, j) with i ∉ I1 is beaten by the k slots (i', j),
 * i' ∈ I1, each with a higher score or the same score and a lower slot id; likewise for j). Within
 * I1 × I2 only the rank pairs (r, s) with (r + 1)(s + 1) ≤ k can make it (0-based ranks in each
 * half's top-k, which tf.topk orders by score, then by lower index): every (r', s') with r' ≤ r,
 * s' ≤ s beats (r, s) the same way, so a pair with (r + 1)(s + 1) > k has k slots above it. That
 * leaves ~k·ln k candidates instead of k² (119 for k = 32). The candidates are then put in slot
 * order (slot = i·n_keys + j), so the tie-stable final top-k picks the lower slot id among equal
 * scores, exactly like a brute force over all n² slots.
 * The one caveat is float rounding: if s1[i] + s2[j] rounds to the same float32 as a pair with a
 * strictly larger sub-score, the brute force sees a tie the sub-key ranking did not (exact when
 * the sums are representable, e.g. integer-valued keys and queries, as in the tests).
 */

export interface Selection {
  /** int32 [N, heads, knn], each head's k by score descending. */
  slots: tf.Tensor3D;
  /** [N, heads, knn] raw scores of the selected slots. */
  scores: tf.Tensor3D;
}

/** Product-key intermediates the trace shows, in [heads·2, N, …] layout (row h·2 + half). */
export interface ProductIntermediates {
  /** [heads·2, N, n_keys] */
  subScores: tf.Tensor3D;
  /** [heads·2, N, knn] top-k per half, by score descending. */
  topScores: tf.Tensor3D;
  topIndices: tf.Tensor3D;
}

/**
 * Rows of a table: out[i] = table[ids[i]]. gatherND, because tfjs-wasm's GatherV2 is two orders
 * of magnitude slower on row lookups (16 ms against 0.1 ms for 8,192 rows of 64), and its
 * batchDims variant reads out of bounds.
 */
export function gatherRows(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor {
  return tf.gatherND(table, tf.reshape(ids, [ids.size, 1]));
}

/** Largest flat index whose float32 value is exact (2^24). */
const FLOAT_EXACT_INDEX = 2 ** 24;

/**
 * Gathers along the last axis, row by row: out[..., t] = x[..., idx[..., t]]. The flat indices
 * row·width + idx are summed in float32 (exact below 2^24) and cast once: tfjs-wasm's int32
 * broadcasting Add is ~25× slower than a same-shape one, while its float32 Add broadcasts through
 * XNNPACK. Larger tensors keep the int32 arithmetic.
 */
function gatherLast<T extends tf.Tensor>(x: T, idx: tf.Tensor): T {
  const width = x.shape[x.rank - 1];
  const k = idx.shape[idx.rank - 1];
  const rows = idx.size / k;
  const exact = x.size <= FLOAT_EXACT_INDEX;
  const dtype = exact ? 'float32' : 'int32';
  const offsets = tf.reshape(tf.range(0, rows * width, width, dtype), [rows, 1]);
  const local = tf.reshape(exact ? tf.cast(idx, 'float32') : idx, [rows, k]);
  const flat = tf.cast(tf.reshape(tf.add(local, offsets), [rows * k]), 'int32') as tf.Tensor1D;
  return tf.reshape(gatherRows(tf.reshape(x, [-1]), flat), idx.shape) as T;
}

/** An int32 scalar: a plain number would make tfjs promote int32 arithmetic to float32. */
function int(value: number): tf.Scalar {
  return tf.scalar(value, 'int32');
}

/**
 * int32 ids as a true float32 tensor (exact below 2^24). tfjs-webgpu 4.22 casts int32 to float32
 * by relabelling the int buffer, and its Transpose then reads the int bits as floats; an
 * element-wise op reads through typed getters and writes real floats on every backend.
 */
function idsAsFloat<T extends tf.Tensor>(ids: T): T {
  return tf.mul(tf.cast(ids, 'float32'), 1) as T;
}

/** One half of a [heads·2, N, knn] tensor as [heads, N, knn]. */
function half(t: tf.Tensor3D, side: 0 | 1, spec: MemorySpec): tf.Tensor3D {
  const [, n, k] = t.shape;
  const byHead = tf.reshape(t, [spec.heads, 2, n, k]);
  return tf.reshape(tf.slice(byHead, [0, side, 0, 0], [spec.heads, 1, n, k]), [spec.heads, n, k]);
}

/** For each knn: one-hot [knn, P] matrices picking rank r (first half) and s (second) of each pair. */
const rankPairCache = new Map<number, { first: Float32Array; second: Float32Array; count: number }>();

/** The rank pairs (r, s) with (r + 1)(s + 1) ≤ knn, r-major, as one-hot pick matrices. */
function rankPairs(knn: number): { first: Float32Array; second: Float32Array; count: number } {
  const cached = rankPairCache.get(knn);
  if (cached) return cached;
  const pairs: [number, number][] = [];
  for (let r = 0; r < knn; r++) for (let s = 0; (r + 1) * (s + 1) <= knn; s++) pairs.push([r, s]);
  const count = pairs.length;
  const first = new Float32Array(knn * count);
  const second = new Float32Array(knn * count);
  pairs.forEach(([r, s], p) => {
    first[r * count + p] = 1;
    second[s * count + p] = 1;
  });
  const made = { first, second, count };
  rankPairCache.set(knn, made);
  return made;
}

export function productSelect(
  qn: tf.Tensor2D,
  keys: tf.Tensor,
  spec: MemorySpec,
): Selection & { intermediates: ProductIntermediates } {
  const { knn, n_keys } = spec;
  const subScores = productSubScores(qn, keys, spec);
  const top = tf.topk(subScores, knn);
  const [h, n] = [spec.heads, qn.shape[0]];
  const pairs = rankPairs(knn);
  const pickFirst = tf.tensor2d(pairs.first, [knn, pairs.count]);
  const pickSecond = tf.tensor2d(pairs.second, [knn, pairs.count]);
  // Picking columns by a one-hot matMul is exact (one product by 1, the rest adds zeros) and one
  // fast dispatch everywhere. Ids are handled as float32 (exact below 2^24; n_keys² ≤ 2^20):
  // tfjs-webgpu 4.22 cannot transpose int32 tensors.
  const pick = (t: tf.Tensor3D, side: 0 | 1, by: tf.Tensor2D) =>
    tf.reshape(tf.matMul(tf.reshape(half(t, side, spec), [h * n, knn]), by), [h, n, pairs.count]);
  const ids = idsAsFloat(top.indices as tf.Tensor3D);
  const values = top.values as tf.Tensor3D;
  const candidates = tf.add(pick(values, 0, pickFirst), pick(values, 1, pickSecond));
  const candidateSlots = tf.add(tf.mul(pick(ids, 0, pickFirst), n_keys), pick(ids, 1, pickSecond));
  // Slot order first (sorting -slot), so that ties in the final top-k go to the lower slot id.
  const ordered = tf.topk(tf.neg(candidateSlots), pairs.count);
  const orderedSlots = tf.neg(ordered.values) as tf.Tensor3D;
  const orderedScores = gatherLast(candidates as tf.Tensor3D, ordered.indices);
  const best = tf.topk(orderedScores, knn);
  const slots = gatherLast(orderedSlots, best.indices);
  return {
    slots: tf.cast(tf.transpose(slots, [1, 0, 2]), 'int32'),
    scores: tf.transpose(best.values as tf.Tensor3D, [1, 0, 2]),
    intermediates: {
      subScores,
      topScores: values,
      topIndices: top.indices as tf.Tensor3D,
    },
  };
}

/** Flat keys: scores against all n² keys of each head, [heads, N, n²]. */
export function flatScores(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): tf.Tensor3D {
  const n = qn.shape[0];
  const perHead = tf.transpose(tf.reshape(qn, [n, spec.heads, spec.k_dim]), [1, 0, 2]) as tf.Tensor3D;
  return blockScores(perHead, keys as tf.Tensor3D);
}

export function flatSelect(
  qn: tf.Tensor2D,
  keys: tf.Tensor,
  spec: MemorySpec,
): Selection & { intermediates: { scores: tf.Tensor3D } } {
  const scores = flatScores(qn, keys, spec);
  const best = tf.topk(scores, spec.knn);
  return {
    slots: tf.cast(tf.transpose(idsAsFloat(best.indices as tf.Tensor3D), [1, 0, 2]), 'int32'),
    scores: tf.transpose(best.values as tf.Tensor3D, [1, 0, 2]),
    intermediates: { scores },
  };
}

/**
 * Gradient of the selected raw scores w.r.t. the normalised query and the key table, for fixed
 * slots: score[n,h,t] = q[n,h]·key(h, slot) (product: the sum of the two halves' dot products).
 * The query gradient gathers the selected key rows; the key gradient scatters dy·q into the key
 * table (ScatterNd sums rows selected more than once) — never through tf.topk or a dense gather.
 */
function selectionGradient(
  dy: tf.Tensor3D,
  qn: tf.Tensor2D,
  keys: tf.Tensor,
  slots: tf.Tensor3D,
  spec: MemorySpec,
): [tf.Tensor, tf.Tensor] {
  const [n, h, k] = slots.shape;
  const headIds = tf.reshape(tf.range(0, h, 1, 'int32'), [1, h, 1]);
  const dyRows = tf.reshape(dy, [n * h, 1, k]);
  const dyCols = tf.reshape(dy, [n * h, k, 1]);
  if (spec.mem_keys === 'flat') {
    const slotsPerHead = spec.n_keys * spec.n_keys;
    const table = tf.reshape(keys, [h * slotsPerHead, spec.k_dim]);
    const rowIds = tf.reshape(tf.add(tf.mul(headIds, int(slotsPerHead)), slots), [n * h * k]) as tf.Tensor1D;
    const selected = tf.reshape(gatherRows(table, rowIds), [n * h, k, spec.k_dim]);
    const dq = tf.reshape(tf.matMul(dyRows, selected), [n, h * spec.k_dim]);
    const updates = tf.reshape(tf.mul(dyCols, tf.reshape(qn, [n * h, 1, spec.k_dim])), [
      n * h * k,
      spec.k_dim,
    ]);
    const dKeys = tf.scatterND(tf.reshape(rowIds, [n * h * k, 1]), updates, [h * slotsPerHead, spec.k_dim]);
    return [dq, tf.reshape(dKeys, keys.shape)];
  }
  const nk = spec.n_keys;
  const hk = spec.k_dim / 2;
  const table = tf.reshape(keys, [h * 2 * nk, hk]);
  const i = tf.floorDiv(slots, int(nk));
  const j = tf.sub(slots, tf.mul(i, int(nk)));
  const base = tf.mul(headIds, int(2 * nk));
  const rowIds0 = tf.reshape(tf.add(base, i), [n * h * k]) as tf.Tensor1D;
  const rowIds1 = tf.reshape(tf.add(tf.add(base, int(nk)), j), [n * h * k]) as tf.Tensor1D;
  const q = tf.reshape(qn, [n * h, 2, hk]);
  const q0 = tf.reshape(tf.slice(q, [0, 0, 0], [n * h, 1, hk]), [n * h, 1, hk]);
  const q1 = tf.reshape(tf.slice(q, [0, 1, 0], [n * h, 1, hk]), [n * h, 1, hk]);
  const dq0 = tf.matMul(dyRows, tf.reshape(gatherRows(table, rowIds0), [n * h, k, hk]));
  const dq1 = tf.matMul(dyRows, tf.reshape(gatherRows(table, rowIds1), [n * h, k, hk]));
  const dq = tf.reshape(tf.concat([dq0, dq1], 1), [n, h * spec.k_dim]);
  const rowIds = tf.reshape(tf.concat([rowIds0, rowIds1], 0), [2 * n * h * k, 1]);
  const updates = tf.reshape(tf.concat([tf.mul(dyCols, q0), tf.mul(dyCols, q1)], 0), [2 * n * h * k, hk]);
  const dKeys = tf.scatterND(rowIds, updates, [h * 2 * nk, hk]);
  return [dq, tf.reshape(dKeys, keys.shape)];
}

/**
 * The differentiable read of the selection: returns the selected slots (int32, no gradient) and
 * their raw scores, whose gradient flows to `qn` and `keys` only. The search runs inside a
 * tf.customGrad forward, where tfjs records nothing on the tape, so tf.topk never needs a gradient.
 * Product keys take the fused op (src/model/ops/productSelect.ts) when the kernel mode is 'fused'
 * and the active backend has its kernels; otherwise, and for flat keys, the reference below.
 */
export function selectWithGradient(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): Selection {
  if (spec.mem_keys === 'product')
    return selectProductWithGradient(qn, keys, spec, referenceSelectWithGradient);
  return referenceSelectWithGradient(qn, keys, spec);
}

/** The plain-op selection with its gradient, product or flat keys: the reference path. */
export function referenceSelectWithGradient(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): Selection {
  return differentiableSelection(
    qn,
    keys,
    (q, k) => (spec.mem_keys === 'product' ? productSelect(q, k, spec) : flatSelect(q, k, spec)),
    (dy, q, k, slots) => selectionGradient(dy, q, k, slots, spec),
  );
}
