import { useMemo } from 'react';
import { type ModelConfig, valueDim } from '../../model/config';
import { useConfigStore } from '../../state/configStore';
import { useEngineStore } from '../../state/engineStore';
import { useRunDataStore } from '../../state/runDataStore';
import { precomputedRun } from '../precomputed/precomputed';

/** Numbers the notebook's prose quotes, from the config of the model the figures show. */
export interface ModelFacts {
  config: ModelConfig;
  n: number;
  slots: number;
  k: number;
  heads: number;
  kDim: number;
  half: number;
  vDim: number;
  /** Scores a product-key lookup computes per head: 2n sub-key scores and k² candidate sums. */
  productCost: number;
  memoryBlocks: number[];
}

export function useModelConfig(): ModelConfig {
  const source = useRunDataStore((s) => s.data.source);
  const live = useEngineStore((s) => s.model?.config);
  const next = useConfigStore((s) => s.config);
  if (source === 'precomputed') return precomputedRun.config;
  return live ?? next;
}

export function useModelFacts(): ModelFacts {
  const config = useModelConfig();
  return useMemo(() => {
    const n = config.n_keys;
    return {
      config,
      n,
      slots: n * n,
      k: config.knn,
      heads: config.heads,
      kDim: config.k_dim,
      half: config.k_dim / 2,
      vDim: valueDim(config),
      productCost: 2 * n + config.knn * config.knn,
      memoryBlocks: config.mem_layers.map((l) => l + 1),
    };
  }, [config]);
}
