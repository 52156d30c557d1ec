/** What the layouts share: the plan of a read (from shapes alone), spec checks, transposes. */
import { checkMemorySpec } from '../../memory/spec';
import type { MemorySpec } from '../../memory/types';
import type { ModuleTensors } from './tensors';
import type { Gates, ImportedMemory, MemoryLayout } from './types';

/** A memory's reading, worked out from its tensors' names and shapes; `load` decodes the data. */
export interface LayoutPlan {
  layout: MemoryLayout;
  prefix: string;
  /** The memory as the file holds it (knn is a placeholder until `load`). */
  spec: MemorySpec;
  outputWidth: number | null;
  notes: string[];
  load(knn: number, gates: Gates, signal?: AbortSignal): Promise<ImportedMemory>;
}

/** The __metadata__ key that carries knn, which no tensor shape reveals (our exports write it). */
export const KNN_METADATA_KEY = 'knn';

/** Every layout's default knn (XLM mem_knn, lucidrains topk, lingua mem_knn). */
export const DEFAULT_KNN = 32;

/**
 * The app's limits on a memory module (heads, n_keys, widths, table size), checked on the shapes
 * before anything is decoded or allocated; the message names the layout.
 */
export function checkModuleSpec(t: ModuleTensors, spec: MemorySpec): void {
  try {
    checkMemorySpec({ ...spec, knn: 1 });
  } catch (err) {
    t.fail((err as Error).message.replace(/^Invalid memory spec: /, ''));
  }
}

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** A cheap stand-in value table for a module whose output is computed outside it: [n², 1] zeros. */
export function retrievalOnly(spec: MemorySpec): MemorySpec {
  return { ...spec, v_dim: 1, d_out: 1, mem_plus: false };
}
