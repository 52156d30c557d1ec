/**
 * All memories of the app's model as lingua HashingMemory modules in one state_dict, each under
 * `layers.<block>.feed_forward.` (where Memory Layers at Scale puts a memory). With a shared value
 * pool (mem_share_values) only the first memory holds `values.weight`, as lingua writes it; the
 * whole-model reader (lingua.ts, findPool) resolves it back for the others.
 */
import type { MemorySpec, MemoryWeights } from '../../memory/types';
import type { Float32Tensor } from '../safetensors';
import { exportLingua, LINGUA_NAMES } from './lingua';

/** The prefix of block `layer`'s memory in a whole-model lingua state_dict. */
export function linguaMemoryPrefix(layer: number): string {
  return `layers.${layer}.feed_forward.`;
}

export interface LinguaModelMemories {
  spec: MemorySpec;
  /** Block index of each memory (mem_layers order). */
  layers: readonly number[];
  /** One per layer; with shareValues every `values` is the shared table (the first one's is written). */
  weights: readonly MemoryWeights[];
  shareValues: boolean;
}

export function exportLinguaModel(model: LinguaModelMemories): Record<string, Float32Tensor> {
  const { spec, layers, weights, shareValues } = model;
  if (weights.length !== layers.length) {
    throw new Error(`exportLinguaModel: ${weights.length} memories for ${layers.length} layers`);
  }
  const out: Record<string, Float32Tensor> = {};
  layers.forEach((layer, i) => {
    const prefix = linguaMemoryPrefix(layer);
    const tensors = exportLingua(spec, weights[i], prefix);
    if (shareValues && i > 0) delete tensors[prefix + LINGUA_NAMES.values];
    Object.assign(out, tensors);
  });
  return out;
}
