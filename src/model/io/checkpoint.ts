/**
 * Whole-model checkpoints are plain safetensors: float32 tensors under their parameter names, and
 * string metadata (the model config as JSON under `config`, by convention of the model code).
 */
import type { BinaryInput } from './bytes';
import { type Float32Tensor, readSafetensors, writeSafetensors } from './safetensors';

export type CheckpointTensor = Float32Tensor;

export interface Checkpoint {
  tensors: Record<string, CheckpointTensor>;
  metadata: Record<string, string>;
}

export function writeCheckpoint(
  tensors: Readonly<Record<string, CheckpointTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return writeSafetensors(tensors, metadata);
}

/** Every tensor as float32 (F16/BF16/F64 and integer tensors converted) with the metadata. */
export function readCheckpoint(input: BinaryInput): Checkpoint {
  return readSafetensors(input);
}
