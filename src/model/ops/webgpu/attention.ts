import type * as tf from '@tensorflow/tfjs';
import {
  ATTENTION,
  ATTENTION_GRAD,
  type AttentionSizes,
  attentionInput,
  attentionSizes,
} from '../attentionKernels';
import { FlatProgram, type Uniform, type WebGpuProgramRunner } from './runProgram';

/**
 * The fused attention core on tfjs-backend-webgpu, as WGSL programs run by runWebGPUProgram, one
 * thread per (batch, head, position) row in float32, with no workgroup barriers (see layerNorm.ts
 * for why). The head width dh is baked into the shader (and its key) to size the per-thread
 * accumulators; T only bounds loops. Scores are recomputed where needed instead of stored.
 * Forward: one program. Gradient: two, in one kernel: the row statistics [rows, 3] (max, softmax
 * sum, D = Σ_j p_j·dy_t·v_j), then per row i: dq_i from the queries' side (j ≤ i) and dk_i, dv_i
 * from the keys' side (queries t ≥ i), so each thread writes its own entries of dqkv.
 */

/** Indexing shared by the programs: row = (b·H + h)·T + t. */
function header(dh: number, withDy = true): string {
  const dyDotV = `
  fn dyDotV(g: i32, v: i32) -> f32 {
    var s = 0.0;
    for (var c = 0; c < DH; c++) { s += dy[g + c] * qkv[v + c]; }
    return s;
  }`;
  return `
  const DH = ${dh};
  struct PkmRow { b: i32, h: i32, t: i32 }
  fn pkmRow(row: i32) -> PkmRow {
    let bh = row / uniforms.time;
    return PkmRow(bh / uniforms.heads, bh % uniforms.heads, row % uniforms.time);
  }
  // Offset of head h's columns of part (0 q, 1 k, 2 v) at position t of batch b in qkv.
  fn qkvAt(b: i32, t: i32, part: i32, h: i32) -> i32 {
    let d = uniforms.heads * DH;
    return (b * uniforms.time + t) * 3 * d + part * d + h * DH;
  }
  // Offset of head h's columns at position t of batch b in a [B, T, d] tensor.
  fn mergedAt(b: i32, t: i32, h: i32) -> i32 {
    return (b * uniforms.time + t) * uniforms.heads * DH + h * DH;
  }
  fn score(q: i32, k: i32) -> f32 {
    var s = 0.0;
    for (var c = 0; c < DH; c++) { s += qkv[q + c] * qkv[k + c]; }
    return s * uniforms.scale;
  }${withDy ? dyDotV : ''}`;
}

abstract class AttentionProgram extends FlatProgram {
  uniforms = 'rows : i32, time : i32, heads : i32, scale : f32,';
}

/** out_t = Σ_{j ≤ t} softmax_j(q_t·k_j/√dh)·v_j, max pass then sum pass. */
class ForwardProgram extends AttentionProgram {
  variableNames = ['qkv'];

  constructor(
    private readonly s: AttentionSizes,
    rows: number,
  ) {
    super(`pkmAttention${s.dh}`, [s.batch, s.time, s.heads * s.dh], rows);
  }

  getUserCode(): string {
    return `${header(this.s.dh, false)}
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let r = pkmRow(row);
    let q = qkvAt(r.b, r.t, 0, r.h);
    var m = -3.0e38;
    for (var j = 0; j <= r.t; j++) { m = max(m, score(q, qkvAt(r.b, j, 1, r.h))); }
    var l = 0.0;
    var acc: array<f32, ${this.s.dh}>;
    for (var j = 0; j <= r.t; j++) {
      let e = exp(score(q, qkvAt(r.b, j, 1, r.h)) - m);
      l += e;
      let v = qkvAt(r.b, j, 2, r.h);
      for (var c = 0; c < DH; c++) { acc[c] += e * qkv[v + c]; }
    }
    let o = mergedAt(r.b, r.t, r.h);
    for (var c = 0; c < DH; c++) { result[o + c] = acc[c] / l; }
  }`;
  }
}

/** Gradient, first: per row the score max m, the sum l of exp(s − m), and D = Σ_j p_j·dy_t·v_j. */
class StatsProgram extends AttentionProgram {
  variableNames = ['qkv', 'dy'];

  constructor(
    private readonly s: AttentionSizes,
    rows: number,
  ) {
    super(`pkmAttentionStats${s.dh}`, [rows, 3], rows);
  }

  getUserCode(): string {
    return `${header(this.s.dh)}
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let r = pkmRow(row);
    let q = qkvAt(r.b, r.t, 0, r.h);
    let g = mergedAt(r.b, r.t, r.h);
    var m = -3.0e38;
    for (var j = 0; j <= r.t; j++) { m = max(m, score(q, qkvAt(r.b, j, 1, r.h))); }
    var l = 0.0;
    var weighted = 0.0;
    for (var j = 0; j <= r.t; j++) {
      let e = exp(score(q, qkvAt(r.b, j, 1, r.h)) - m);
      l += e;
      weighted += e * dyDotV(g, qkvAt(r.b, j, 2, r.h));
    }
    result[row * 3] = m;
    result[row * 3 + 1] = l;
    result[row * 3 + 2] = weighted / l;
  }`;
  }
}

/**
 * Gradient, second: thread i writes dq_i = Σ_{j ≤ i} dS_ij·k_j, dk_i = Σ_{t ≥ i} dS_ti·q_t and
 * dv_i = Σ_{t ≥ i} p_ti·dy_t, with p_tj = exp(s_tj − m_t)/l_t and dS_tj = p_tj·(dy_t·v_j − D_t)/√dh.
 */
class GradProgram extends AttentionProgram {
  variableNames = ['qkv', 'dy', 'stats'];

  constructor(
    private readonly s: AttentionSizes,
    shape: number[],
    rows: number,
  ) {
    super(`pkmAttentionGrad${s.dh}`, shape, rows);
  }

  getUserCode(): string {
    const dh = this.s.dh;
    return `${header(dh)}
  fn statsAt(b: i32, h: i32, t: i32) -> i32 {
    return ((b * uniforms.heads + h) * uniforms.time + t) * 3;
  }
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let r = pkmRow(row);
    let i = r.t;
    let qi = qkvAt(r.b, i, 0, r.h);
    let ki = qkvAt(r.b, i, 1, r.h);
    let vi = qkvAt(r.b, i, 2, r.h);
    var dq: array<f32, ${dh}>;
    var dk: array<f32, ${dh}>;
    var dv: array<f32, ${dh}>;
    // Query side: row i against keys j ≤ i.
    let own = statsAt(r.b, r.h, i);
    let gi = mergedAt(r.b, i, r.h);
    for (var j = 0; j <= i; j++) {
      let kj = qkvAt(r.b, j, 1, r.h);
      let p = exp(score(qi, kj) - stats[own]) / stats[own + 1];
      let ds = p * (dyDotV(gi, qkvAt(r.b, j, 2, r.h)) - stats[own + 2]) * uniforms.scale;
      for (var c = 0; c < DH; c++) { dq[c] += ds * qkv[kj + c]; }
    }
    // Key side: queries t ≥ i against key i.
    for (var t = i; t < uniforms.time; t++) {
      let st = statsAt(r.b, r.h, t);
      let qt = qkvAt(r.b, t, 0, r.h);
      let gt = mergedAt(r.b, t, r.h);
      let p = exp(score(qt, ki) - stats[st]) / stats[st + 1];
      let ds = p * (dyDotV(gt, vi) - stats[st + 2]) * uniforms.scale;
      for (var c = 0; c < DH; c++) {
        dk[c] += ds * qkv[qt + c];
        dv[c] += p * dy[gt + c];
      }
    }
    for (var c = 0; c < DH; c++) {
      result[qi + c] = dq[c];
      result[ki + c] = dk[c];
      result[vi + c] = dv[c];
    }
  }`;
  }
}

function uniforms(s: AttentionSizes): Uniform[] {
  return [
    { type: 'int32', data: [s.batch * s.heads * s.time] },
    { type: 'int32', data: [s.time] },
    { type: 'int32', data: [s.heads] },
    { type: 'float32', data: [1 / Math.sqrt(s.dh)] },
  ];
}

const rowsOf = (s: AttentionSizes) => Math.max(1, s.batch * s.heads * s.time);

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const qkv = attentionInput(inputs, 'qkv');
  const s = attentionSizes(qkv, null, attrs);
  return b.runWebGPUProgram(new ForwardProgram(s, rowsOf(s)), [qkv], 'float32', uniforms(s));
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [dy, qkv] = ['dy', 'qkv'].map((name) => attentionInput(inputs, name));
  const s = attentionSizes(qkv, dy, attrs);
  const u = uniforms(s);
  const stats = b.runWebGPUProgram(new StatsProgram(s, rowsOf(s)), [qkv, dy], 'float32', u);
  const dqkv = b.runWebGPUProgram(new GradProgram(s, qkv.shape, rowsOf(s)), [qkv, dy, stats], 'float32', u);
  // Freed once the queued program that reads it has run (tfjs defers it).
  b.disposeData(stats.dataId);
  return dqkv;
};

export const WEBGPU_ATTENTION_KERNELS: tf.KernelConfig[] = [
  { kernelName: ATTENTION, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
