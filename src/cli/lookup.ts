/** `pkm lookup`: the slots, raw scores, softmax weights and output of a memory for each input. */

import { createMemory } from '../model/memory/createMemory';
import { forwardChunks } from '../model/memory/forwardChunks';
import type { MemorySpec } from '../model/memory/types';
import type { CliCommand } from './command';
import { f32, fmt, table } from './format';
import { loadMemoryAndInputs, MEMORY_INPUT_OPTIONS } from './memoryInputs';
import { startWasmBackend } from './tfBackend';

export interface LookupJson {
  /** [B][heads][knn] slot ids (row·n_keys + col), each head's k sorted by score, descending. */
  indices: number[][][];
  /** [B][heads][knn] raw scores (before softmax). */
  scores: number[][][];
  /** [B][heads][knn] softmax of the scores over each head's k. */
  weights: number[][][];
  /** [B][d_out] */
  output: number[][];
}

export function describeSpec(spec: MemorySpec): string {
  return (
    `memory: ${spec.heads} head(s), n_keys ${spec.n_keys} (${spec.n_keys ** 2} slots, ${spec.mem_keys} keys), ` +
    `k_dim ${spec.k_dim}, knn ${spec.knn}, d_in ${spec.d_in}, v_dim ${spec.v_dim}, query_norm ${spec.query_norm}`
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

function lookupText(spec: MemorySpec, json: LookupJson): string {
  const rows: (string | number)[][] = [];
  json.indices.forEach((heads, b) => {
    heads.forEach((slots, h) => {
      slots.forEach((slot, r) => {
        const row = Math.floor(slot / spec.n_keys);
        rows.push([
          b,
          h,
          r,
          slot,
          row,
          slot - row * spec.n_keys,
          json.scores[b][h][r],
          json.weights[b][h][r],
        ]);
      });
    });
  });
  const shown = 8;
  const outputs = json.output.map((o, b) => {
    const head = o
      .slice(0, shown)
      .map((v) => fmt(v))
      .join(', ');
    return `${b}  [${head}${o.length > shown ? `, … (${o.length} values)` : ''}]`;
  });
  return [
    describeSpec(spec),
    '',
    table(['input', 'head', 'rank', 'slot', 'row', 'col', 'score', 'weight'], rows),
    '',
    'output',
    ...outputs,
  ].join('\n');
}

export const lookupCommand: CliCommand = {
  usage: '--memory <file> --inputs <file> [--knn <k>] [--prefix <name>] [--json]',
  options: MEMORY_INPUT_OPTIONS,
  details: [
    'JSON: {"indices", "scores", "weights"} each [B][heads][knn] (each head sorted by score, descending;',
    'scores before softmax) and "output" [B][d_out]. BatchNorm uses its running statistics (eval mode).',
  ].join('\n'),
  async run(values, context) {
    const { spec, weights, inputs, count } = await loadMemoryAndInputs(values, context);
    await startWasmBackend();
    const memory = createMemory(spec, { weights });
    const json: LookupJson = { indices: [], scores: [], weights: [], output: [] };
    try {
      for await (const chunk of forwardChunks(memory, inputs, count)) {
        const { rows } = chunk;
        json.indices.push(...nest(chunk.slots, rows, spec.heads, spec.knn));
        json.scores.push(...nest(chunk.scores, rows, spec.heads, spec.knn, f32));
        json.weights.push(...nest(chunk.weights, rows, spec.heads, spec.knn, f32));
        for (let b = 0; b < rows; b++) {
          json.output.push(Array.from(chunk.output.subarray(b * spec.d_out, (b + 1) * spec.d_out), f32));
        }
        if (count > rows) context.progress(`${chunk.start + rows}/${count} inputs`);
      }
    } finally {
      memory.dispose();
    }
    return { json, text: lookupText(spec, json) };
  },
};
