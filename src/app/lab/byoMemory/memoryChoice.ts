/**
 * What the "Your own memory" panel works out on the page from the files alone, before asking the
 * engine for anything: the memories a file holds (its header only, size-capped so a hostile
 * header cannot freeze the tab), the k to ask for, and whether the inputs fit the memory.
 */
import { FormatError } from '../../../model/io/errors';
import { describeMemoryFile } from '../../../model/io/layouts';
import type { MemoryEntry, MemoryLayout } from '../../../model/io/layouts/types';
import { readNpyHeader } from '../../../model/io/npy';
import { headerBytesNeeded } from '../../../model/io/safetensors';

/** Largest header described on the page (a whole model of ~100,000 tensors; real ones are far smaller). */
export const PANEL_MAX_HEADER_BYTES = 16_000_000;

export type MemoryChoice =
  | { ok: true; memories: MemoryEntry[]; problems: { prefix: string; message: string }[] }
  | { ok: false; message: string };

/** The memories in a file (layout detected, or forced), or why it cannot be read, in one sentence. */
export function describeForPanel(bytes: Uint8Array, layout?: MemoryLayout): MemoryChoice {
  try {
    const head = bytes.subarray(0, Math.min(bytes.length, headerBytesNeeded(bytes, PANEL_MAX_HEADER_BYTES)));
    const d = describeMemoryFile(head, bytes.length, { layout, maxHeaderBytes: PANEL_MAX_HEADER_BYTES });
    if (d.memories.length === 0) {
      const first = d.problems[0];
      const more = d.problems.length > 1 ? ` (and ${d.problems.length - 1} more memory-like groups)` : '';
      return { ok: false, message: `${first.message}${more}` };
    }
    return { ok: true, memories: d.memories, problems: d.problems };
  } catch (err) {
    if (err instanceof FormatError) return { ok: false, message: err.message };
    throw err;
  }
}

/** The k the panel starts with: the file's own, else the layouts' default 32, capped to what the memory allows. */
export function defaultK(entry: MemoryEntry): number {
  return Math.min(entry.fileKnn ?? entry.suggestedKnn, entry.maxKnn);
}

/** Why the typed k cannot be used for this memory, or null. */
export function kProblem(text: string, entry: MemoryEntry): string | null {
  const t = text.trim();
  const value = /^\d{1,7}$/.test(t) ? Number(t) : Number.NaN;
  if (Number.isInteger(value) && value >= 1 && value <= entry.maxKnn) return null;
  const why =
    entry.maxKnn < entry.n_keys
      ? `this app reads at most ${entry.maxKnn} slots per head`
      : `this memory has ${entry.n_keys} sub-keys per half`;
  return `k must be a whole number from 1 to ${entry.maxKnn} (${why}); got “${t.slice(0, 12)}”.`;
}

/** Why the inputs do not fit the memory (width, not a .npy), or null when they do. */
export function inputsProblem(bytes: Uint8Array, dIn: number): string | null {
  let shape: number[];
  try {
    shape = readNpyHeader(bytes).shape;
  } catch (err) {
    if (err instanceof FormatError) return err.message;
    throw err;
  }
  const matrix = shape.length === 1 ? [1, shape[0]] : shape;
  if (matrix.length !== 2)
    return `the inputs must be a 2-D array [B, d_in] (they have ${shape.length} dimensions)`;
  if (matrix[1] !== dIn) {
    return `the inputs are ${matrix[1].toLocaleString('en')} wide, but this memory reads vectors of d_in ${dIn.toLocaleString('en')}`;
  }
  if (matrix[0] === 0) return 'the inputs hold no vectors';
  return null;
}
