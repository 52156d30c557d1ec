import type * as tf from '@tensorflow/tfjs';
import {
  CROSS_ENTROPY,
  CROSS_ENTROPY_GRAD,
  type CrossEntropySizes,
  crossEntropyInput,
  crossEntropySizes,
} from '../crossEntropyKernels';
import { FlatProgram, int32Uniforms, type WebGpuProgramRunner } from './runProgram';

/**
 * The fused cross-entropy on tfjs-backend-webgpu, as WGSL programs run by runWebGPUProgram, in
 * float32 with no workgroup barriers (see layerNorm.ts for why). Forward, two programs in one
 * kernel: one thread per row writes the row's (max, logSum) to stats [N, 2], then one thread sums
 * the rows' (max − x[t]) + logSum into the mean. Both sums run in blocks (16 columns, 64 rows),
 * then over the blocks: far fewer roundings of the large partial sum than one running float32
 * sum. Backward, one program flat over the N·V elements.
 * WGSL leaves NaN and Inf arithmetic indeterminate, so non-finite values are found by their bits
 * and the NaNs written are bit patterns too: the loss is NaN for a non-finite logit whatever the
 * shader compiler assumes.
 */

const FINITE_WGSL = `
  fn pkmNonFinite(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) >= 0x7f800000u;
  }
  // A NaN through a var: a const-expression that is NaN would be a shader-creation error.
  fn pkmNaN() -> f32 {
    var bits = 0x7fc00000u;
    return bitcast<f32>(bits);
  }`;

abstract class CrossEntropyProgram extends FlatProgram {
  uniforms = 'threads : i32, rows : i32, cols : i32,';
}

/** Forward, first: per row (max, log Σ exp(x − max)); NaN as logSum where the row is non-finite. */
class RowStatsProgram extends CrossEntropyProgram {
  variableNames = ['logits'];

  constructor(rows: number) {
    super('pkmCrossEntropyStats', [rows, 2], Math.max(1, rows));
  }

  getUserCode(): string {
    return `${FINITE_WGSL}
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let base = row * uniforms.cols;
    var m = logits[base];
    var bad = false;
    for (var j = 0; j < uniforms.cols; j++) {
      let v = logits[base + j];
      bad = bad || pkmNonFinite(v);
      m = max(m, v);
    }
    // Blocks of 16 columns, then the blocks: the row max's term 1 meets ~V/16 + 16 roundings, not
    // V (one running float32 sum near 1 loses ~ulp(1)/2 to every small term added).
    var s = 0.0;
    for (var first = 0; first < uniforms.cols; first += 16) {
      var part = 0.0;
      for (var j = first; j < min(first + 16, uniforms.cols); j++) { part += exp(logits[base + j] - m); }
      s += part;
    }
    result[row * 2] = m;
    result[row * 2 + 1] = select(log(s), pkmNaN(), bad);
  }`;
  }
}

/** Forward, second: one thread, the mean over rows of (max − x[t]) + logSum (0 where t is out of range). */
class MeanProgram extends CrossEntropyProgram {
  variableNames = ['logits', 'targets', 'stats'];

  constructor() {
    super('pkmCrossEntropyMean', [], 1);
  }

  getUserCode(): string {
    return `${FINITE_WGSL}
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    var total = 0.0;
    var bad = false;
    for (var first = 0; first < uniforms.rows; first += 64) {
      var part = 0.0;
      for (var r = first; r < min(first + 64, uniforms.rows); r++) {
        let logSum = stats[r * 2 + 1];
        bad = bad || pkmNonFinite(logSum);
        let t = targets[r];
        if (t >= 0 && t < uniforms.cols) {
          part += (stats[r * 2] - logits[r * uniforms.cols + t]) + logSum;
        }
      }
      total += part;
    }
    result[0] = select(total / f32(uniforms.rows), pkmNaN(), bad);
  }`;
  }
}

/** Backward: dx = dy/N·(exp((x − max) − logSum)·keep − [j = t]), one thread per element. */
class GradProgram extends CrossEntropyProgram {
  variableNames = ['logits', 'targets', 'stats', 'dy'];

  constructor(rows: number, cols: number) {
    super('pkmCrossEntropyGrad', [rows, cols], Math.max(1, rows * cols));
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let row = index / uniforms.cols;
    let j = index - row * uniforms.cols;
    let t = targets[row];
    let p = exp((logits[index] - stats[row * 2]) - stats[row * 2 + 1]);
    let keep = select(0.0, 1.0, t >= 0 && t < uniforms.cols);
    let hot = select(0.0, 1.0, j == t);
    result[index] = (p * keep - hot) * (dy[0] / f32(uniforms.rows));
  }`;
  }
}

const uniforms = (threads: number, { rows, cols }: CrossEntropySizes) => int32Uniforms(threads, rows, cols);

const forwardKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const logits = crossEntropyInput(inputs, 'logits', 'float32', 'webgpu');
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'webgpu');
  const sizes = crossEntropySizes(logits, targets, 'webgpu');
  const stats = b.runWebGPUProgram(
    new RowStatsProgram(sizes.rows),
    [logits],
    'float32',
    uniforms(sizes.rows, sizes),
  );
  const loss = b.runWebGPUProgram(new MeanProgram(), [logits, targets, stats], 'float32', uniforms(1, sizes));
  return [loss, stats];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [dy, logits, stats] = ['dy', 'logits', 'stats'].map((name) =>
    crossEntropyInput(inputs, name, 'float32', 'webgpu'),
  );
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'webgpu');
  const sizes = crossEntropySizes(logits, targets, 'webgpu', stats, dy);
  const program = new GradProgram(sizes.rows, sizes.cols);
  const elements = sizes.rows * sizes.cols;
  return b.runWebGPUProgram(program, [logits, targets, stats, dy], 'float32', uniforms(elements, sizes));
};

export const WEBGPU_CROSS_ENTROPY_KERNELS: tf.KernelConfig[] = [
  { kernelName: CROSS_ENTROPY, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: CROSS_ENTROPY_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
