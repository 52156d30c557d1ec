import type * as tf from '@tensorflow/tfjs';
import { FlatProgram, storedDtype, type Uniform, type WebGpuProgramRunner } from './runProgram';

/**
 * Programs over a [rows, cols] matrix without workgroup memory or barriers (tfjs's reductions
 * stage tiles in workgroup memory behind barriers, which a software adapter such as SwiftShader
 * runs slowly): a thread per column summing over the rows in order, or a thread per element.
 * Uniforms: threads, rows, cols and an f32 eps (for BatchNorm; 0 elsewhere). `prologue` adds WGSL
 * functions the body uses.
 */
export class RowsColsProgram extends FlatProgram {
  uniforms = 'threads : i32, rows : i32, cols : i32, eps : f32,';

  constructor(
    name: string,
    readonly variableNames: string[],
    outputShape: number[],
    threads: number,
    private readonly body: string,
    private readonly prologue = '',
  ) {
    super(name, outputShape, Math.max(1, threads));
  }

  getUserCode(): string {
    return `${this.prologue}
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    ${this.body}
  }`;
  }
}

/** Per column c (a thread each): result[c] = `finish` of the float32 sum over rows of `term` (at = r·cols + c). */
export function columnProgram(
  name: string,
  variableNames: string[],
  cols: number,
  term: string,
  finish = 'sum',
  prologue = '',
): RowsColsProgram {
  const body = `let c = index;
    var sum = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      let at = r * uniforms.cols + c;
      sum += ${term};
    }
    result[c] = ${finish};`;
  return new RowsColsProgram(name, variableNames, [cols], cols, body, prologue);
}

/** Per element of [rows, cols]: result[index] = `value` (c is the element's column). */
export function elementProgram(
  name: string,
  variableNames: string[],
  rows: number,
  cols: number,
  value: string,
  prologue = '',
): RowsColsProgram {
  const body = `let c = index % uniforms.cols;\n    result[index] = ${value};`;
  return new RowsColsProgram(name, variableNames, [rows, cols], rows * cols, body, prologue);
}

/** The uniforms of a RowsColsProgram run over `threads` threads. */
export function rowsColsUniforms(threads: number, rows: number, cols: number, eps = 0): Uniform[] {
  return [
    { type: 'int32', data: [threads] },
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [cols] },
    { type: 'float32', data: [eps] },
  ];
}

/**
 * Σ over rows of t [rows, cols] → [cols] (the bias gradient, BatchNorm's dbeta). f32() converts a
 * buffer tfjs-webgpu keeps as int32 behind a float32 tensor (storedDtype, part of the shader key).
 */
export function sumOverRows(
  b: WebGpuProgramRunner,
  t: tf.TensorInfo,
  rows: number,
  cols: number,
): tf.TensorInfo {
  const program = columnProgram(`pkmColumnSum_${storedDtype(b, t)}`, ['t'], cols, 'f32(t[at])');
  return b.runWebGPUProgram(program, [t], 'float32', rowsColsUniforms(cols, rows, cols));
}
