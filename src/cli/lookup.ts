/** `pkm lookup`: the slots, raw scores, weights and output of a memory for each input. */

import type { ImportedMemory } from '../model/io/layouts/types';
import type { CliCommand } from './command';
import { f32, fmt, table } from './format';
import { LAYOUTS_HELP, loadMemoryAndInputs, MEMORY_INPUT_OPTIONS } from './memoryInputs';

export interface LookupJson {
  layout: string;
  prefix: string;
  /** [B][heads][knn] slot ids (row·n_keys + col), each head's k sorted by score, descending. */
  indices: number[][][];
  /** [B][heads][knn] raw scores (before the gates). */
  scores: number[][][];
  /** [B][heads][knn] the gates: softmax of the scores over each head's k (ReLU with --gates relu). */
  weights: number[][][];
  /** [B][d_out], or null when the layout's output cannot be computed (see notes). */
  output: number[][] | null;
  notes: string[];
}

export function describeMemory(memory: ImportedMemory): string {
  const { spec } = memory;
  const where = memory.prefix ? ` at '${memory.prefix}'` : '';
  return (
    `memory (${memory.layout} layout${where}): ${spec.heads} head(s), n_keys ${spec.n_keys} (${spec.n_keys ** 2} slots, ${spec.mem_keys} keys), ` +
    `k_dim ${spec.k_dim}, knn ${spec.knn}, d_in ${spec.d_in}, v_dim ${spec.v_dim}, query_norm ${spec.query_norm}` +
    (memory.gates === 'relu' ? ', ReLU gates' : '')
  );
}

function nest(data: ArrayLike<number>, rows: number, heads: number, knn: number, map = (v: number) => v) {
  const out: number[][][] = [];
  for (let b = 0; b < rows; b++) {
    const row: number[][] = [];
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * knn;
      row.push(Array.from({ length: knn }, (_, i) => map(data[base + i])));
    }
    out.push(row);
  }
  return out;
}

function lookupText(memory: ImportedMemory, json: LookupJson): string {
  const n = memory.spec.n_keys;
  const rows: (string | number)[][] = [];
  json.indices.forEach((heads, b) => {
    heads.forEach((slots, h) => {
      slots.forEach((slot, r) => {
        const row = Math.floor(slot / n);
        rows.push([b, h, r, slot, row, slot - row * n, json.scores[b][h][r], json.weights[b][h][r]]);
      });
    });
  });
  const shown = 8;
  const outputs = json.output
    ? json.output.map((o, b) => {
        const head = o
          .slice(0, shown)
          .map((v) => fmt(v))
          .join(', ');
        return `${b}  [${head}${o.length > shown ? `, … (${o.length} values)` : ''}]`;
      })
    : ['not computed (see the notes)'];
  return [
    describeMemory(memory),
    ...memory.notes.map((note) => `note: ${note}`),
    '',
    table(['input', 'head', 'rank', 'slot', 'row', 'col', 'score', 'weight'], rows),
    '',
    'output',
    ...outputs,
  ].join('\n');
}

export const lookupCommand: CliCommand = {
  usage:
    '--memory <file> --inputs <file> [--knn <k>] [--layout <name>] [--prefix <name>] [--gates <kind>] [--json]',
  options: MEMORY_INPUT_OPTIONS,
  details: [
    'JSON: {"layout", "prefix", "notes", "indices", "scores", "weights"} each [B][heads][knn] (each head',
    'sorted by score, descending; scores before the gates) and "output" [B][d_out] (null when the',
    "layout's output cannot be computed). BatchNorm uses its running statistics (eval mode).",
    '',
    LAYOUTS_HELP,
  ].join('\n'),
  async run(values, context) {
    const { memory, inputs, count } = await loadMemoryAndInputs(values, context);
    // tfjs is loaded only once the files are known to be good: a bad file is refused at once.
    const [{ startWasmBackend }, { readImportedMemory }] = await Promise.all([
      import('./tfBackend'),
      import('../model/io/layouts/reads'),
    ]);
    await startWasmBackend();
    const { heads, knn } = memory.spec;
    const json: LookupJson = {
      layout: memory.layout,
      prefix: memory.prefix,
      indices: [],
      scores: [],
      weights: [],
      output: memory.outputWidth === null ? null : [],
      notes: memory.notes,
    };
    for await (const chunk of readImportedMemory(memory, inputs, count)) {
      const { rows } = chunk;
      json.indices.push(...nest(chunk.slots, rows, heads, knn));
      json.scores.push(...nest(chunk.scores, rows, heads, knn, f32));
      json.weights.push(...nest(chunk.weights, rows, heads, knn, f32));
      if (json.output && chunk.output) {
        const width = memory.outputWidth!;
        for (let b = 0; b < rows; b++)
          json.output.push(Array.from(chunk.output.subarray(b * width, (b + 1) * width), f32));
      }
      if (count > rows) context.progress(`${chunk.start + rows}/${count} inputs`);
    }
    return { json, text: lookupText(memory, json) };
  },
};
