/**
 * The tensors of one memory module inside a parsed safetensors file: names under a prefix, shape
 * and dtype checks that name the layout, the tensor and what was expected, and decoding with a
 * NaN/Inf check, in slices that can be cancelled. Nothing is decoded before every shape is known.
 */

import { inSlices } from '../breathe';
import { product } from '../bytes';
import { clip, FormatError, listText, nameText, shapeText } from '../errors';
import { FLOAT_DTYPES, type SafetensorsFile, type TensorInfo, tensorFloat32Async } from '../safetensors';
import type { MemoryLayout } from './types';

/** Tensors that do not form a memory module of the layout tried. */
export class MemoryLayoutError extends FormatError {
  constructor(
    readonly layout: MemoryLayout | null,
    message: string,
  ) {
    super(clip(layout ? `${layout} layout: ${message}` : message));
  }
}

/** Most floats one import decodes in all (2 GiB as float32): checked before anything is decoded. */
export const MAX_IMPORT_ELEMENTS = 2 ** 29;

export class ModuleTensors {
  private planned = 0;

  constructor(
    readonly file: SafetensorsFile,
    readonly prefix: string,
    readonly layout: MemoryLayout,
  ) {}

  fail(message: string): never {
    throw new MemoryLayoutError(this.layout, message);
  }

  /** The quoted full name of `name` under the prefix. */
  quoted(name: string): string {
    return nameText(this.prefix + name);
  }

  has(name: string): boolean {
    return this.file.tensors.has(this.prefix + name);
  }

  info(name: string): TensorInfo | undefined {
    return this.file.tensors.get(this.prefix + name);
  }

  /** The tensor's info; `expected` (e.g. "[heads·k_dim, d_in]") goes into the message when it is missing. */
  need(name: string, expected: string): TensorInfo {
    const info = this.info(name);
    if (!info) this.fail(`tensor ${this.quoted(name)} ${expected} is missing`);
    if (!FLOAT_DTYPES.includes(info.dtype)) {
      this.fail(
        `tensor ${this.quoted(name)} has dtype ${info.dtype}; it must be a float tensor (${FLOAT_DTYPES.join(', ')}) ${expected}`,
      );
    }
    return info;
  }

  /** `need` with a rank check: the dims, for the caller to check against each other. */
  dims(name: string, rank: number, expected: string): number[] {
    const info = this.need(name, expected);
    if (info.shape.length !== rank) {
      this.fail(`tensor ${this.quoted(name)} must be ${expected} (got ${shapeText(info.shape)})`);
    }
    return info.shape;
  }

  /** `need` with the exact shape. */
  exact(name: string, shape: readonly number[], expected: string): TensorInfo {
    const info = this.need(name, expected);
    const same = info.shape.length === shape.length && info.shape.every((d, i) => d === shape[i]);
    if (!same) {
      this.fail(
        `tensor ${this.quoted(name)} must be ${expected} = ${shapeText(shape)} (got ${shapeText(info.shape)})`,
      );
    }
    return info;
  }

  /** Names under the prefix that start with `group` (e.g. 'query_proj.'), without the prefix. */
  namesIn(group: string): string[] {
    const out: string[] = [];
    for (const name of this.file.tensors.keys()) {
      if (name.startsWith(this.prefix + group)) out.push(name.slice(this.prefix.length));
    }
    return out;
  }

  /**
   * Tensors under the prefix that are not part of the module (names `known` or starting with one
   * of `knownGroups`). Under a real prefix they belong to the module, so reading on would drop them
   * silently: refused. At the top level of a file they may be anything else: listed in a note.
   */
  unknown(known: readonly string[], knownGroups: readonly string[] = []): string[] {
    const set = new Set(known);
    const extra = this.namesIn('').filter((n) => !set.has(n) && !knownGroups.some((g) => n.startsWith(g)));
    if (extra.length === 0) return [];
    const shown = listText(
      extra.map((n) => this.quoted(n)),
      3,
    );
    if (this.prefix !== '')
      this.fail(`tensor${extra.length > 1 ? 's' : ''} ${shown} of this module cannot be read`);
    return [`Tensors that are not part of the memory were ignored: ${shown}.`];
  }

  /** Counts a tensor toward the import's total before any of them is decoded. */
  plan(name: string): void {
    const info = this.info(name);
    if (!info) return;
    this.planned += product(info.shape);
    if (this.planned > MAX_IMPORT_ELEMENTS) {
      this.fail(
        `the tensors to read hold over ${MAX_IMPORT_ELEMENTS.toLocaleString('en')} values (${this.quoted(name)} is ${shapeText(info.shape)}), more than a browser tab can hold`,
      );
    }
  }

  /** Decodes a float tensor (checked by `need` before) and refuses NaN and ±Infinity in it. */
  async load(name: string, signal?: AbortSignal): Promise<Float32Array> {
    const info = this.info(name)!;
    const { data } = await tensorFloat32Async(this.file, this.prefix + name, { floatOnly: true, signal });
    await inSlices(data.length, (b, e) => this.finite(name, info.shape, data, b, e), signal);
    return data;
  }

  private finite(name: string, shape: number[], data: Float32Array, begin: number, end: number): void {
    for (let i = begin; i < end; i++) {
      const v = data[i];
      if (v - v !== 0) {
        const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
        this.fail(`tensor ${this.quoted(name)} holds ${what} at ${indexText(shape, i)}`);
      }
    }
  }
}

/** The multi-dimensional index of flat position i in `shape`, e.g. [3, 0, 7]. */
function indexText(shape: readonly number[], i: number): string {
  if (shape.length === 0) return '[]';
  const index: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return shapeText(index);
}
