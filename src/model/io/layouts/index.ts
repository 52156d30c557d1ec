/**
 * One entry point for memories trained elsewhere: describe a file (which memories, which layout,
 * from the header alone), read one (layout detected or forced, prefix, knn), and write the app's
 * memory in any of the layouts. See xlm.ts, lucidrains.ts and lingua.ts for each mapping.
 */

import type { MemorySpec, MemoryWeights } from '../../memory/types';
import { throwIfAborted } from '../breathe';
import { asBytes, type BinaryInput } from '../bytes';
import { clip, FormatError, listText, MismatchError, preview } from '../errors';
import {
  type Float32Tensor,
  parseSafetensors,
  parseSafetensorsHeader,
  type SafetensorsFile,
  writeSafetensors,
} from '../safetensors';
import { DEFAULT_KNN, KNN_METADATA_KEY, type LayoutPlan } from './common';
import { type Candidate, findCandidates } from './detect';
import { exportLingua, linguaExportProblems, planLingua } from './lingua';
import { exportLucidrains, lucidrainsExportProblems, planLucidrains } from './lucidrains';
import { MemoryLayoutError } from './tensors';
import type {
  Gates,
  ImportedMemory,
  MemoryEntry,
  MemoryFileDescription,
  MemoryLayout,
  ReadMemoryOptions,
} from './types';
import { exportXlm, planXlm, xlmExportProblems } from './xlm';

export { DEFAULT_KNN, KNN_METADATA_KEY } from './common';
export { exportLinguaModel, type LinguaModelMemories, linguaMemoryPrefix } from './linguaModel';
export { MemoryLayoutError } from './tensors';
export * from './types';

const PLANNERS: Record<MemoryLayout, (file: SafetensorsFile, prefix: string) => LayoutPlan> = {
  xlm: planXlm,
  lucidrains: planLucidrains,
  lingua: planLingua,
};

/** The app reads at most this many slots per head (the memory module's own limit). */
const MAX_APP_KNN = 64;

function maxKnn(plan: LayoutPlan): number {
  const perHalf = plan.spec.mem_keys === 'flat' ? plan.spec.n_keys ** 2 : plan.spec.n_keys;
  return Math.min(perHalf, MAX_APP_KNN);
}

function fileKnn(file: SafetensorsFile): number | null {
  const stored = file.metadata[KNN_METADATA_KEY];
  if (stored === undefined) return null;
  if (!/^\s*\d{1,6}\s*$/.test(stored)) {
    throw new FormatError(`__metadata__ knn must be a whole number (got ${preview(stored, 24)})`);
  }
  return Number(stored);
}

function entryOf(file: SafetensorsFile, plan: LayoutPlan): MemoryEntry {
  const max = maxKnn(plan);
  return {
    prefix: plan.prefix,
    layout: plan.layout,
    heads: plan.spec.heads,
    n_keys: plan.spec.n_keys,
    k_dim: plan.spec.k_dim,
    d_in: plan.spec.d_in,
    maxKnn: max,
    fileKnn: fileKnn(file),
    suggestedKnn: Math.min(DEFAULT_KNN, max),
    outputWidth: plan.outputWidth,
    notes: plan.notes,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Plans every candidate memory (with `layout`, every prefix with a `keys` tensor is tried in it). */
function planAll(file: SafetensorsFile, layout?: MemoryLayout) {
  const candidates: Candidate[] = layout
    ? findCandidates(file).map((c) => ({ prefix: c.prefix, layout }))
    : findCandidates(file);
  const plans: LayoutPlan[] = [];
  const problems: { prefix: string; message: string }[] = [];
  for (const c of candidates) {
    if (!c.layout) {
      problems.push({ prefix: c.prefix, message: c.why! });
      continue;
    }
    try {
      plans.push(PLANNERS[c.layout](file, c.prefix));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      problems.push({ prefix: c.prefix, message: message(err) });
    }
  }
  return { candidates, plans, problems };
}

function noMemory(file: SafetensorsFile, layout?: MemoryLayout): never {
  if (file.metadata.format?.startsWith('pkm-explorer-checkpoint')) {
    throw new MemoryLayoutError(
      null,
      'this is a PKM Explorer checkpoint (a whole model): export one of its memories in a PyTorch layout first',
    );
  }
  const names = [...file.tensors.keys()].map((n) => `'${preview(n, 40).slice(1, -1)}'`);
  const expected = layout
    ? layout === 'lucidrains'
      ? "'keys' beside 'to_queries.weight'"
      : "'keys' beside 'query_proj.query_mlps.0.weight'"
    : "'keys' beside a query network ('query_proj.query_mlps.0.weight' or 'to_queries.weight')";
  throw new MemoryLayoutError(
    layout ?? null,
    `no memory module found: no ${expected} (tensors: ${names.length > 0 ? listText(names, 5) : 'none'})`,
  );
}

/**
 * The memories in a file, from its header alone (its first bytes and its size are enough). Each
 * comes with its layout, shapes and the knn it allows; groups that look like a memory but cannot
 * be read are listed with why.
 */
export function describeMemoryFile(
  head: Uint8Array,
  fileBytes: number = head.byteLength,
  options: { layout?: MemoryLayout; maxHeaderBytes?: number } = {},
): MemoryFileDescription {
  const file = parseSafetensorsHeader(head, fileBytes, { maxHeaderBytes: options.maxHeaderBytes });
  const { plans, problems } = planAll(file, options.layout);
  if (plans.length === 0 && problems.length === 0) noMemory(file, options.layout);
  return { memories: plans.map((p) => entryOf(file, p)), problems };
}

function choose(file: SafetensorsFile, options: ReadMemoryOptions): LayoutPlan {
  const { layout, prefix } = options;
  if (prefix !== undefined) {
    if (!file.tensors.has(`${prefix}keys`)) {
      const found = findCandidates(file).map((c) => `'${c.prefix}'`);
      throw new MemoryLayoutError(
        layout ?? null,
        `there is no tensor '${preview(prefix, 60).slice(1, -1)}keys'${found.length > 0 ? ` (memories in the file: ${listText(found)})` : ''}`,
      );
    }
    const detected = findCandidates(file).find((c) => c.prefix === prefix);
    const chosen = layout ?? detected?.layout;
    if (!chosen) {
      throw new MemoryLayoutError(null, detected?.why ?? `no query network beside '${prefix}keys'`);
    }
    return PLANNERS[chosen](file, prefix);
  }
  const { candidates, plans, problems } = planAll(file, layout);
  if (candidates.length === 0) noMemory(file, layout);
  if (candidates.length === 1) {
    if (plans.length === 1) return plans[0];
    throw new MemoryLayoutError(null, problems[0].message);
  }
  const listed = candidates.map((c) => `'${c.prefix}'${c.layout ? ` (${c.layout})` : ''}`);
  throw new MemoryLayoutError(
    layout ?? null,
    `the file holds ${candidates.length} memory modules (${listText(listed)}): choose one by its prefix`,
  );
}

function knnProblem(plan: LayoutPlan, message: string): never {
  throw new MismatchError(clip(`${plan.layout} layout: ${message}`));
}

function resolveKnn(plan: LayoutPlan, file: SafetensorsFile, knn: number | undefined): number {
  const max = maxKnn(plan);
  const value = knn ?? fileKnn(file);
  if (value === null) {
    const name = plan.layout === 'lucidrains' ? 'PKM’s topk' : 'mem_knn';
    knnProblem(
      plan,
      `knn (slots read per head) is not in the file, as a PyTorch state_dict does not hold it: give it (${name}, 32 by default)`,
    );
  }
  if (!Number.isInteger(value) || value < 1)
    knnProblem(plan, `knn must be a whole number of at least 1 (got ${preview(value)})`);
  const flat = plan.spec.mem_keys === 'flat';
  const perHalf = flat ? plan.spec.n_keys ** 2 : plan.spec.n_keys;
  if (value > perHalf) {
    knnProblem(
      plan,
      `knn ${value} is more than the ${perHalf} ${flat ? 'slots' : 'sub-keys per half (n_keys)'} of this memory`,
    );
  }
  if (value > max) knnProblem(plan, `knn ${value} is over the ${max} slots per head this app reads`);
  return value;
}

/** A parsed file's memory: layout detected (or forced), prefix found (or given), knn resolved. */
export async function importMemory(
  file: SafetensorsFile,
  options: ReadMemoryOptions = {},
): Promise<ImportedMemory> {
  throwIfAborted(options.signal);
  const plan = choose(file, options);
  const knn = resolveKnn(plan, file, options.knn);
  const gates: Gates = options.gates ?? 'softmax';
  if (gates !== 'softmax' && plan.layout !== 'lucidrains') {
    knnProblem(plan, 'ReLU gates (non_competitive_gates) exist only in the lucidrains layout');
  }
  return plan.load(knn, gates, options.signal);
}

/** Parses safetensors bytes and imports the memory in them (see importMemory). */
export function readMemoryFile(input: BinaryInput, options: ReadMemoryOptions = {}): Promise<ImportedMemory> {
  return importMemory(parseSafetensors(asBytes(input)), options);
}

/** Why the app's memory cannot be written exactly in `layout` (empty when it can). */
export function exportProblems(layout: MemoryLayout, spec: MemorySpec, weights: MemoryWeights): string[] {
  if (layout === 'xlm') return xlmExportProblems(spec);
  if (layout === 'lucidrains') return lucidrainsExportProblems(spec, weights);
  return linguaExportProblems(spec);
}

/** The state_dict tensors of the app's memory in `layout` (names under `prefix`). */
export function exportMemory(
  layout: MemoryLayout,
  spec: MemorySpec,
  weights: MemoryWeights,
  prefix = '',
): Record<string, Float32Tensor> {
  if (layout === 'xlm') return exportXlm(spec, weights, prefix);
  if (layout === 'lucidrains') return exportLucidrains(spec, weights, prefix);
  return exportLingua(spec, weights, prefix);
}

/** A safetensors file of the app's memory in `layout`, with knn and the layout in __metadata__. */
export function writeMemoryFile(
  layout: MemoryLayout,
  spec: MemorySpec,
  weights: MemoryWeights,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return writeSafetensors(exportMemory(layout, spec, weights), {
    ...metadata,
    layout,
    [KNN_METADATA_KEY]: String(spec.knn),
  });
}
