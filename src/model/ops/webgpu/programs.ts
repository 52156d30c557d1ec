import { FlatProgram } from './runProgram';

/**
 * WGSL programs of the fused product-key selection, run by tfjs-backend-webgpu's own
 * runWebGPUProgram (its pipeline cache, uniforms, command batching and compile-only warm-up).
 * Dispatches are flat over threads (see FlatProgram). Sizes baked into the WGSL (n_keys, knn,
 * heads) are part of each shader key.
 */

/** WGSL that keeps the top `knn` of sub[base .. base + N_KEYS) in (v, i), score desc, lower index first. */
function subTopKWgsl(v: string, i: string): string {
  return `
    {
      var count = 0;
      for (var c = 0; c < N_KEYS; c++) {
        let x = sub[base + c];
        if (count == KNN && !(x > ${v}[KNN - 1])) { continue; }
        var at = min(count, KNN - 1);
        if (count < KNN) { count++; }
        while (at > 0 && x > ${v}[at - 1]) {
          ${v}[at] = ${v}[at - 1];
          ${i}[at] = ${i}[at - 1];
          at--;
        }
        ${v}[at] = x;
        ${i}[at] = c;
      }
    }`;
}

/**
 * What the three programs share: a flat dispatch of `threads` threads over the selection's sizes
 * (rows N, heads, n_keys, knn baked into the WGSL and so into the shader key).
 */
abstract class SelectionProgram extends FlatProgram {
  uniforms = 'threads : i32, rows : i32,';

  constructor(
    name: string,
    outputShape: number[],
    threads: number,
    readonly rows: number,
    readonly heads: number,
    readonly nKeys: number,
    readonly knn: number,
  ) {
    super(`${name}_${heads}_${nKeys}_${knn}`, outputShape, threads);
  }
}

/**
 * One thread per (row, head): both halves' top-k, then the merge of the rank pairs
 * (r + 1)(s + 1) ≤ knn under (score desc, slot asc), exactly as src/model/ops/cpu/productTopK.ts
 * (see there why a pruned scan and not a frontier heap). Output: int32 slots [N, heads, knn].
 */
export class ProductTopKProgram extends SelectionProgram {
  variableNames = ['sub'];

  constructor(rows: number, heads: number, nKeys: number, knn: number) {
    super('pkmProductTopK', [rows, heads, knn], rows * heads, rows, heads, nKeys, knn);
  }

  getUserCode(): string {
    return `
  const N_KEYS = ${this.nKeys};
  const KNN = ${this.knn};
  const HEADS = ${this.heads};

  fn beats(score: f32, slot: i32, other: f32, otherSlot: i32) -> bool {
    return score > other || (score == other && slot < otherSlot);
  }

  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let row = index / HEADS;
    let h = index - row * HEADS;
    var aV: array<f32, KNN>;
    var aI: array<i32, KNN>;
    var bV: array<f32, KNN>;
    var bI: array<i32, KNN>;
    var best: array<f32, KNN>;
    var bestSlot: array<i32, KNN>;
    var base = ((h * 2) * uniforms.rows + row) * N_KEYS;
    ${subTopKWgsl('aV', 'aI')}
    base = ((h * 2 + 1) * uniforms.rows + row) * N_KEYS;
    ${subTopKWgsl('bV', 'bI')}
    var count = 0;
    for (var r = 0; r < KNN; r++) {
      let a = aV[r];
      if (count == KNN && a + bV[0] < best[KNN - 1]) { break; }
      let width = KNN / (r + 1);
      for (var c = 0; c < width; c++) {
        let score = a + bV[c];
        let slot = aI[r] * N_KEYS + bI[c];
        if (count == KNN) {
          if (score < best[KNN - 1]) { break; }
          if (!beats(score, slot, best[KNN - 1], bestSlot[KNN - 1])) { continue; }
        }
        var at = min(count, KNN - 1);
        if (count < KNN) { count++; }
        while (at > 0 && beats(score, slot, best[at - 1], bestSlot[at - 1])) {
          best[at] = best[at - 1];
          bestSlot[at] = bestSlot[at - 1];
          at--;
        }
        best[at] = score;
        bestSlot[at] = slot;
      }
    }
    let first = index * KNN;
    for (var t = 0; t < KNN; t++) {
      result[first + t] = bestSlot[t];
    }
  }`;
  }
}

/**
 * One thread per selected entry: its raw score fl32(s1[i] + s2[j]) re-read from the sub-key
 * scores (the same float32 add as in the selection). Output: float32 [N, heads, knn].
 */
export class ProductScoresProgram extends SelectionProgram {
  variableNames = ['sub', 'slots'];

  constructor(rows: number, heads: number, nKeys: number, knn: number) {
    super('pkmProductScores', [rows, heads, knn], rows * heads * knn, rows, heads, nKeys, knn);
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let rowHead = index / ${this.knn};
    let row = rowHead / ${this.heads};
    let h = rowHead - row * ${this.heads};
    let slot = slots[index];
    let i = slot / ${this.nKeys};
    let j = slot - i * ${this.nKeys};
    let a = sub[((h * 2) * uniforms.rows + row) * ${this.nKeys} + i];
    let b = sub[((h * 2 + 1) * uniforms.rows + row) * ${this.nKeys} + j];
    result[index] = a + b;
  }`;
  }
}

/**
 * Backward: one thread per (head, half, row) writes its row of dSub [heads·2, N, n_keys], the
 * gradient of the selected scores w.r.t. the sub-key scores: zeros, plus dy at each selected
 * sub-key (summed in rank order where a sub-key is selected more than once). No atomics.
 */
export class SubScoreGradProgram extends SelectionProgram {
  variableNames = ['dy', 'slots'];

  constructor(rows: number, heads: number, nKeys: number, knn: number) {
    super('pkmProductSubScoreGrad', [heads * 2, rows, nKeys], heads * 2 * rows, rows, heads, nKeys, knn);
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let block = index / uniforms.rows;
    let row = index - block * uniforms.rows;
    let h = block / 2;
    let side = block - h * 2;
    let base = index * ${this.nKeys};
    for (var c = 0; c < ${this.nKeys}; c++) {
      result[base + c] = 0.0;
    }
    let sel = (row * ${this.heads} + h) * ${this.knn};
    for (var t = 0; t < ${this.knn}; t++) {
      let slot = slots[sel + t];
      let i = slot / ${this.nKeys};
      let sub = select(i, slot - i * ${this.nKeys}, side == 1);
      result[base + sub] = result[base + sub] + dy[sel + t];
    }
  }`;
  }
}

/**
 * The sub-key scores [heads·2, N, n_keys] from q [N, heads·k_dim] and keys [heads·2, n_keys, half]:
 * one thread per score, its dot product summed in order from 0 (the sums tfjs's matMul forms
 * here, so the same bits), without the workgroup tiles and barriers of tfjs's matMul program,
 * which a software adapter runs slowly when the output is this large (2M scores at 2^20 slots).
 */
export class SubScoresProgram extends SelectionProgram {
  variableNames = ['q', 'keys'];

  constructor(
    rows: number,
    heads: number,
    nKeys: number,
    private readonly half: number,
  ) {
    super(
      `pkmProductSubScores_${half}`,
      [heads * 2, rows, nKeys],
      heads * 2 * rows * nKeys,
      rows,
      heads,
      nKeys,
      1,
    );
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let blockRow = index / ${this.nKeys};
    let c = index - blockRow * ${this.nKeys};
    let block = blockRow / uniforms.rows;
    let row = blockRow - block * uniforms.rows;
    let qAt = row * ${this.heads * 2 * this.half} + block * ${this.half};
    let kAt = (block * ${this.nKeys} + c) * ${this.half};
    var sum = 0.0;
    for (var d = 0; d < ${this.half}; d++) {
      sum = sum + q[qAt + d] * keys[kAt + d];
    }
    result[index] = sum;
  }`;
  }
}

/**
 * Backward, dq alone: one thread per query element (row, head, half, d) sums dy·key over the
 * row's selected slots in rank order, reading the sub-key row each slot selects in its half.
 * Output: [N, heads·k_dim], q's layout. (dKeys scatters into shared sub-key rows: it keeps the
 * dense dSub and a matMul, which need no atomics.)
 */
export class QueryGradProgram extends SelectionProgram {
  variableNames = ['dy', 'slots', 'keys'];

  constructor(
    rows: number,
    heads: number,
    nKeys: number,
    knn: number,
    private readonly half: number,
  ) {
    super(
      `pkmProductQueryGrad_${half}`,
      [rows, heads * 2 * half],
      rows * heads * 2 * half,
      rows,
      heads,
      nKeys,
      knn,
    );
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let width = ${this.heads * 2 * this.half};
    let row = index / width;
    let col = index - row * width;
    let block = col / ${this.half};
    let d = col - block * ${this.half};
    let h = block / 2;
    let side = block - h * 2;
    let sel = (row * ${this.heads} + h) * ${this.knn};
    var sum = 0.0;
    for (var t = 0; t < ${this.knn}; t++) {
      let slot = slots[sel + t];
      let i = slot / ${this.nKeys};
      let sub = select(i, slot - i * ${this.nKeys}, side == 1);
      sum = sum + dy[sel + t] * keys[(block * ${this.nKeys} + sub) * ${this.half} + d];
    }
    result[index] = sum;
  }`;
  }
}
