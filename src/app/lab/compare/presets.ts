/**
 * The comparisons the lab offers, as variants of the current config: each variant changes a few
 * fields and keeps everything else (data, seed, size of the rest of the network) the same, so the
 * curves differ only by what the comparison is about.
 */
import { type ModelConfig, validateConfig } from '../../../model/config';
import { configFromHash } from '../../../state/urlConfig';

export type ComparePresetId = 'memory' | 'query-norm' | 'heads-knn';

export interface ComparePreset {
  id: ComparePresetId;
  title: string;
  description: string;
}

export const COMPARE_PRESETS: readonly ComparePreset[] = [
  {
    id: 'memory',
    title: 'Memory vs baseline vs flat keys',
    description: 'product-key memory, the same network with dense feed-forward blocks only, and flat keys',
  },
  {
    id: 'query-norm',
    title: 'Query normalisation',
    description: 'BatchNorm (the paper), LayerNorm per head and half, and none',
  },
  {
    id: 'heads-knn',
    title: 'Heads × k',
    description: 'memory heads and slots read per head at an equal product heads·k',
  },
];

export interface CompareVariant {
  /** Unique within a comparison. */
  id: string;
  label: string;
  /** The full config the variant trains (validated), or null when the change does not fit. */
  config: ModelConfig | null;
  /** Why the config is null. */
  problem: string | null;
}

/** A block to put the memory in when the base config has none: the middle one (the paper's best is late-middle). */
export function defaultMemoryLayers(base: ModelConfig): number[] {
  return base.mem_layers.length > 0 ? [...base.mem_layers] : [Math.floor(base.layers / 2)];
}

export function variant(
  id: string,
  label: string,
  base: ModelConfig,
  patch: Partial<ModelConfig>,
): CompareVariant {
  const result = validateConfig({ ...base, ...patch } as Record<string, unknown>);
  if (result.ok) return { id, label, config: result.config, problem: null };
  return { id, label, config: null, problem: result.errors.map((e) => e.message).join('; ') };
}

/** Pairs (heads, k) with heads·k equal to the base's product, heads from 1 to 8, k within the config's range. */
export function headsKnnPairs(base: ModelConfig): { heads: number; knn: number }[] {
  const product = base.heads * base.knn;
  const pairs: { heads: number; knn: number }[] = [];
  for (const heads of [1, 2, 4, 8]) {
    const knn = product / heads;
    if (Number.isInteger(knn) && knn >= 1 && knn <= 64 && knn <= base.n_keys) pairs.push({ heads, knn });
  }
  return pairs;
}

export function presetVariants(preset: ComparePresetId, base: ModelConfig): CompareVariant[] {
  const mem_layers = defaultMemoryLayers(base);
  switch (preset) {
    case 'memory':
      return [
        variant('product', 'memory (product keys)', base, { mem_layers, mem_keys: 'product' }),
        variant('baseline', 'baseline (no memory)', base, { mem_layers: [] }),
        variant('flat', 'flat keys', base, { mem_layers, mem_keys: 'flat' }),
      ];
    case 'query-norm':
      return (['batchnorm', 'layernorm', 'none'] as const).map((query_norm) =>
        variant(query_norm, `query norm: ${query_norm}`, base, { mem_layers, query_norm }),
      );
    case 'heads-knn':
      return headsKnnPairs(base).map(({ heads, knn }) =>
        variant(`h${heads}k${knn}`, `${heads} head${heads === 1 ? '' : 's'} × k ${knn}`, base, {
          mem_layers,
          heads,
          knn,
        }),
      );
  }
}

/**
 * A variant from the user's own changes, written as `field=value` pairs separated by spaces, `&`
 * or new lines (the URL hash's syntax, e.g. "knn=16 heads=1"). Every problem is named.
 */
export function customVariant(id: string, text: string, base: ModelConfig): CompareVariant {
  const pairs = text
    .split(/[\s&]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (pairs.length === 0)
    return { id, label: 'custom', config: null, problem: 'write at least one field=value pair' };
  const malformed = pairs.filter((p) => !/^[a-z_]+=.+$/.test(p));
  if (malformed.length > 0) {
    return { id, label: pairs.join(' '), config: null, problem: `not field=value: ${malformed.join(', ')}` };
  }
  const reading = configFromHash(`#${pairs.join('&')}`, [], base);
  const label = pairs.join(' ');
  if (reading.problems.length > 0) return { id, label, config: null, problem: reading.problems.join(' ') };
  return { id, label, config: reading.config, problem: null };
}

/** Short text of what a config is, for tables and saved runs: "memory [2] · 128² × 2 heads, k 8 · batchnorm". */
export function configSummary(c: ModelConfig): string {
  const net = `d${c.d_model} × ${c.layers} layers`;
  if (c.mem_layers.length === 0) return `${net} · baseline (no memory)`;
  const keys = c.mem_keys === 'flat' ? 'flat keys' : 'product keys';
  return `${net} · memory in block ${c.mem_layers.map((l) => l + 1).join(', ')} · ${c.n_keys}² slots, ${c.heads} head${c.heads === 1 ? '' : 's'} × k ${c.knn} · ${keys} · ${c.query_norm}`;
}
