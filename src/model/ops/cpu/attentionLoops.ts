import type { AttentionSizes } from '../attentionKernels';

/**
 * The fused attention core's loops over plain typed arrays, shared by the cpu kernels and the wasm
 * kernels (which pass views of the wasm heap). One (batch, head) block at a time: its q, k, v rows
 * (and dy's) are first copied out of the interleaved [B, T, 3d] layout into contiguous [T, dh]
 * float64 scratch, rows or transposed as the loop needs them, so every product is a dot product
 * over adjacent numbers into registers (no read-modify-write of an accumulator row in the inner
 * loop): ~2× faster than strided loops over qkv. Scores q_t·k_j/√dh only for j ≤ t (the reference's −1e9 mask makes exp of
 * the others exactly 0 in float32), softmax from the row max. Sums accumulate in float64 and each
 * output is rounded to float32 once: as accurate as the reference's float32 matMuls, not
 * bit-identical to them.
 */

/** Σ_c a[i + c]·b[j + c] over c < n, in four partial sums (independent adds pipeline better). */
function dot(a: Float64Array, i: number, b: Float64Array, j: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += a[i + c] * b[j + c];
    s1 += a[i + c + 1] * b[j + c + 1];
    s2 += a[i + c + 2] * b[j + c + 2];
    s3 += a[i + c + 3] * b[j + c + 3];
  }
  for (; c < n; c++) s0 += a[i + c] * b[j + c];
  return s0 + s1 + (s2 + s3);
}

/** One block's scratch, [T, dh] rows or [dh, T] transposed ("T" suffix), reused across blocks. */
class Block {
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;
  readonly qT: Float64Array;
  readonly kT: Float64Array;
  readonly vT: Float64Array;
  /** dy's rows of the block, and transposed. */
  readonly g: Float64Array;
  readonly gT: Float64Array;
  /** Causal probabilities, row t in [t·T, t·T + t]; pT holds them transposed (row j from j·T + j). */
  readonly p: Float64Array;
  readonly pT: Float64Array;
  /** Score gradients dS, by row and transposed, causal like p. */
  readonly ds: Float64Array;
  readonly dsT: Float64Array;
  readonly dp: Float64Array;

  constructor(
    readonly time: number,
    readonly dh: number,
  ) {
    const rows = () => new Float64Array(time * dh);
    const square = () => new Float64Array(time * time);
    [this.q, this.k, this.v, this.qT, this.kT, this.vT, this.g, this.gT] = Array.from({ length: 8 }, rows);
    [this.p, this.pT, this.ds, this.dsT] = Array.from({ length: 4 }, square);
    this.dp = new Float64Array(time);
  }
}

/**
 * Copies T rows of dh numbers, `stride` apart from `start`, into rows [T, dh] and, when given,
 * transposed into cols [dh, T].
 */
function gather(
  src: Float32Array,
  start: number,
  stride: number,
  x: Block,
  rows: Float64Array,
  cols: Float64Array | null,
): void {
  const { time, dh } = x;
  for (let t = 0; t < time; t++) {
    const from = start + t * stride;
    for (let c = 0; c < dh; c++) {
      const value = src[from + c];
      rows[t * dh + c] = value;
      if (cols) cols[c * time + t] = value;
    }
  }
}

/** Fills x.p with the block's causal softmax from x.q and x.k. */
function probabilities(x: Block): void {
  const { time, dh, q, k, p } = x;
  const scale = 1 / Math.sqrt(dh);
  for (let t = 0; t < time; t++) {
    const row = t * time;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j <= t; j++) {
      const score = dot(q, t * dh, k, j * dh, dh) * scale;
      p[row + j] = score;
      if (score > max) max = score;
    }
    let sum = 0;
    for (let j = 0; j <= t; j++) {
      const e = Math.exp(p[row + j] - max);
      p[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j <= t; j++) p[row + j] *= inv;
  }
}

/** out[b, t, h·dh + c] = Σ_{j ≤ t} p_tj · v_j[c]. */
export function attentionRows(qkv: Float32Array, s: AttentionSizes, out: Float32Array): void {
  const { batch, time, heads, dh } = s;
  const d = heads * dh;
  const w = 3 * d;
  const x = new Block(time, dh);
  const { p, vT } = x;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const start = b * time * w + h * dh;
      gather(qkv, start, w, x, x.q, null);
      gather(qkv, start + d, w, x, x.k, null);
      gather(qkv, start + 2 * d, w, x, x.v, x.vT);
      probabilities(x);
      const base = b * time * d + h * dh;
      for (let t = 0; t < time; t++) {
        for (let c = 0; c < dh; c++) out[base + t * d + c] = dot(p, t * time, vT, c * time, t + 1);
      }
    }
  }
}

/**
 * Per block, with dP_tj = dy_t·v_j and D_t = Σ_j p_tj·dP_tj: dS_tj = p_tj·(dP_tj − D_t)/√dh,
 * then dq_t = Σ_{j ≤ t} dS_tj·k_j, dk_j = Σ_{t ≥ j} dS_tj·q_t, dv_j = Σ_{t ≥ j} p_tj·dy_t (the
 * softmax and matMul gradients).
 */
export function attentionGradRows(
  qkv: Float32Array,
  dy: Float32Array,
  s: AttentionSizes,
  dqkv: Float32Array,
): void {
  const { batch, time, heads, dh } = s;
  const d = heads * dh;
  const w = 3 * d;
  const scale = 1 / Math.sqrt(dh);
  const x = new Block(time, dh);
  const { q, k, v, qT, kT, g, gT, p, pT, ds, dsT, dp } = x;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const start = b * time * w + h * dh;
      gather(qkv, start, w, x, q, qT);
      gather(qkv, start + d, w, x, k, kT);
      gather(qkv, start + 2 * d, w, x, v, null);
      gather(dy, b * time * d + h * dh, d, x, g, gT);
      probabilities(x);
      for (let t = 0; t < time; t++) {
        const row = t * time;
        let total = 0;
        for (let j = 0; j <= t; j++) {
          dp[j] = dot(g, t * dh, v, j * dh, dh);
          total += p[row + j] * dp[j];
        }
        for (let j = 0; j <= t; j++) {
          const pj = p[row + j];
          const dsj = pj * (dp[j] - total) * scale;
          ds[row + j] = dsj;
          dsT[j * time + t] = dsj;
          pT[j * time + t] = pj;
        }
      }
      for (let t = 0; t < time; t++) {
        const at = start + t * w;
        const tail = time - t;
        for (let c = 0; c < dh; c++) {
          dqkv[at + c] = dot(ds, t * time, kT, c * time, t + 1);
          dqkv[at + d + c] = dot(dsT, t * time + t, qT, c * time + t, tail);
          dqkv[at + 2 * d + c] = dot(pT, t * time + t, gT, c * time + t, tail);
        }
      }
    }
  }
}
