/**
 * Files to try "bring your own memory" without having any: the live model's memory in a PyTorch layout
 * (from the engine's checkpoint) and inputs for it, either the real hidden states that enter the
 * memory for the bytes of a text (traced one by one) or seeded Gaussian noise of the right width.
 */
import { type CheckpointMemory, memoryFromCheckpoint } from '../../../model/io/checkpointMemory';
import { writeMemoryFile } from '../../../model/io/layouts';
import type { MemoryLayout } from '../../../model/io/layouts/types';
import { writeNpy } from '../../../model/io/npy';
import { createRng } from '../../../model/random';

export { type CheckpointMemory, memoryFromCheckpoint };

/** The memory as a PyTorch state_dict in `layout` (knn, layout and the source in __metadata__). */
export function memoryBytes(
  memory: CheckpointMemory,
  step: number,
  layout: MemoryLayout = 'xlm',
): Uint8Array {
  return writeMemoryFile(layout, memory.spec, memory.weights, {
    source: 'pkm-explorer',
    layer: String(memory.layer),
    step: String(step),
  });
}

/** [count, d_in] standard normal values from `seed`, as a .npy file. */
export function randomInputs(
  count: number,
  dIn: number,
  seed: number,
): { data: Float32Array; npy: Uint8Array } {
  const rng = createRng(seed);
  const data = new Float32Array(count * dIn);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, npy: writeNpy(data, [count, dIn]) };
}

/** Stacks equal-length vectors into a [count, d] .npy file. */
export function stackedNpy(rows: readonly Float32Array[]): Uint8Array {
  if (rows.length === 0) throw new Error('no input vectors to write');
  const d = rows[0].length;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`input ${i} has ${r.length} values, expected ${d}`);
    data.set(r, i * d);
  });
  return writeNpy(data, [rows.length, d]);
}
