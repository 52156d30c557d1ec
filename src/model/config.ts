/**
 * The experiment configuration: one flat, serialisable object whose keys are the names used in
 * the URL hash, the CLI's JSON files and checkpoint metadata. Every field has a range; a config
 * is only used after `validateConfig` accepted it.
 */

export type QueryNorm = 'batchnorm' | 'layernorm' | 'none';
export type MemoryKeys = 'product' | 'flat';
export type BackendPreference = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type CorpusName = 'knowledge' | 'user';

export interface ModelConfig {
  // Transformer
  /** Width of the residual stream. */
  d_model: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads (d_model must be divisible by it). */
  attn_heads: number;
  /** Tokens per training sequence (and the learned position table's size). */
  context: number;
  /** Hidden width of a dense feed-forward block, as a multiple of d_model. */
  ffn_mult: number;
  /** 0-based indices of the blocks whose feed-forward is a memory; empty = baseline without memory. */
  mem_layers: number[];

  // Memory
  /** Product keys (two sub-key sets of n_keys) or flat keys (n_keys² full keys, exhaustive search). */
  mem_keys: MemoryKeys;
  /** |C|: sub-keys per half; the memory has n_keys² slots. */
  n_keys: number;
  /** k: slots read per head. */
  knn: number;
  /** Memory heads; their reads are summed. */
  heads: number;
  /** Query size per head (even: it is split in two halves). */
  k_dim: number;
  /** Value size; 0 means d_model. */
  v_dim: number;
  query_norm: QueryNorm;
  /** "memory+" (Memory Layers at Scale): the read is multiplied by SiLU(W·x) and projected. */
  mem_plus: boolean;
  /** One value table shared by every memory layer (Memory Layers at Scale); needs ≥ 2 memory layers. */
  mem_share_values: boolean;

  // Optimisation
  batch: number;
  /** Peak learning rate of the dense parameters (Adam, warm-up then inverse-sqrt decay). */
  lr: number;
  /** Constant learning rate of the memory values (their own sparse Adam). */
  value_lr: number;
  warmup: number;
  /** Global gradient-norm clip for the dense parameters; 0 disables it. */
  clip: number;

  // Run
  seed: number;
  backend: BackendPreference;
  corpus: CorpusName;
}

/** Small enough to train live on a software WebGPU adapter, large enough to show the memory. */
export const DEFAULT_CONFIG: Readonly<ModelConfig> = Object.freeze({
  d_model: 64,
  layers: 4,
  attn_heads: 4,
  context: 32,
  // Narrow dense blocks: at 4× they learn the knowledge task's facts themselves within a default
  // run (the capacity experiment's note), so what the model recalls beyond them is the memory's.
  ffn_mult: 1,
  mem_layers: [2],
  mem_keys: 'product',
  n_keys: 128,
  knn: 8,
  heads: 2,
  k_dim: 32,
  v_dim: 0,
  query_norm: 'batchnorm',
  mem_plus: false,
  mem_share_values: false,
  batch: 16,
  lr: 3e-3,
  value_lr: 0.05,
  warmup: 50,
  clip: 1,
  seed: 1,
  backend: 'auto',
  corpus: 'knowledge',
} satisfies ModelConfig);

export interface ConfigError {
  field: keyof ModelConfig;
  message: string;
  /** For a rule that ties fields together: the other fields it involves. */
  related?: (keyof ModelConfig)[];
}

interface IntRange {
  kind: 'int';
  min: number;
  max: number;
}
interface NumRange {
  kind: 'number';
  min: number;
  max: number;
}
interface Choice {
  kind: 'choice';
  values: readonly string[];
}
interface Flag {
  kind: 'bool';
}
interface IntList {
  kind: 'int-list';
  min: number;
  max: number;
}
type FieldSpec = IntRange | NumRange | Choice | Flag | IntList;

/** The allowed value of every field, independent of the others. */
export const FIELD_SPECS: Readonly<Record<keyof ModelConfig, FieldSpec>> = {
  d_model: { kind: 'int', min: 8, max: 1024 },
  layers: { kind: 'int', min: 1, max: 24 },
  attn_heads: { kind: 'int', min: 1, max: 16 },
  context: { kind: 'int', min: 2, max: 1024 },
  ffn_mult: { kind: 'int', min: 1, max: 8 },
  mem_layers: { kind: 'int-list', min: 0, max: 23 },
  mem_keys: { kind: 'choice', values: ['product', 'flat'] },
  n_keys: { kind: 'int', min: 2, max: 1024 },
  knn: { kind: 'int', min: 1, max: 64 },
  heads: { kind: 'int', min: 1, max: 8 },
  k_dim: { kind: 'int', min: 2, max: 1024 },
  v_dim: { kind: 'int', min: 0, max: 4096 },
  query_norm: { kind: 'choice', values: ['batchnorm', 'layernorm', 'none'] },
  mem_plus: { kind: 'bool' },
  mem_share_values: { kind: 'bool' },
  batch: { kind: 'int', min: 1, max: 1024 },
  lr: { kind: 'number', min: 1e-7, max: 1 },
  value_lr: { kind: 'number', min: 1e-7, max: 10 },
  warmup: { kind: 'int', min: 0, max: 1_000_000 },
  clip: { kind: 'number', min: 0, max: 1e6 },
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
  backend: { kind: 'choice', values: ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] },
  corpus: { kind: 'choice', values: ['knowledge', 'user'] },
};

export const CONFIG_FIELDS = Object.keys(FIELD_SPECS) as (keyof ModelConfig)[];

function describe(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
    case 'choice':
      return `one of ${spec.values.join(', ')}`;
    case 'bool':
      return 'true or false';
    case 'int-list':
      return `a list of distinct integers from ${spec.min} to ${spec.max}`;
  }
}

function checkField(field: keyof ModelConfig, value: unknown): string | null {
  const spec = FIELD_SPECS[field];
  const bad = `${field} must be ${describe(spec)} (got ${JSON.stringify(value)})`;
  switch (spec.kind) {
    case 'int':
      return Number.isInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max
        ? null
        : bad;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= spec.min && value <= spec.max
        ? null
        : bad;
    case 'choice':
      return typeof value === 'string' && spec.values.includes(value) ? null : bad;
    case 'bool':
      return typeof value === 'boolean' ? null : bad;
    case 'int-list': {
      if (!Array.isArray(value)) return bad;
      const ok = value.every((v) => Number.isInteger(v) && v >= spec.min && v <= spec.max);
      return ok && new Set(value).size === value.length ? null : bad;
    }
  }
}

/** Rules that tie fields together; each names the field to change. */
function checkCombination(c: ModelConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  if (c.d_model % c.attn_heads !== 0) {
    errors.push({
      field: 'attn_heads',
      message: `attn_heads must divide d_model (${c.d_model})`,
      related: ['d_model'],
    });
  }
  if (c.k_dim % 2 !== 0) {
    errors.push({
      field: 'k_dim',
      message: `k_dim must be even: the query is split in two halves (got ${c.k_dim})`,
    });
  }
  const maxKnn = Math.min(c.n_keys, 64);
  if (c.knn > maxKnn) {
    errors.push({
      field: 'knn',
      message: `knn must be from 1 to ${maxKnn} = min(n_keys, 64) (got ${c.knn})`,
      related: ['n_keys'],
    });
  }
  const outside = c.mem_layers.filter((l) => l >= c.layers);
  if (outside.length > 0) {
    errors.push({
      field: 'mem_layers',
      message: `mem_layers must be block indices from 0 to ${c.layers - 1} (got ${outside.join(', ')})`,
      related: ['layers'],
    });
  }
  if (c.v_dim !== 0 && c.v_dim !== c.d_model && !c.mem_plus) {
    errors.push({
      field: 'v_dim',
      message: `v_dim must be 0 or d_model (${c.d_model}) unless mem_plus projects the read (got ${c.v_dim})`,
      related: ['d_model', 'mem_plus'],
    });
  }
  if (c.mem_keys === 'flat' && c.n_keys > 256) {
    errors.push({
      field: 'n_keys',
      message: `flat keys search all n_keys² slots exhaustively: n_keys must be at most 256 for them (got ${c.n_keys})`,
      related: ['mem_keys'],
    });
  }
  if (c.mem_share_values && c.mem_layers.length < 2) {
    // An error rather than a silent no-op: the user asked for sharing the model would not have.
    errors.push({
      field: 'mem_share_values',
      message: `mem_share_values shares one value table among memory layers: it needs at least 2 in mem_layers (got ${c.mem_layers.length})`,
      related: ['mem_layers'],
    });
  }
  return errors;
}

/**
 * Fills missing fields from `base` and checks every field and combination. Unknown fields are
 * errors too, so a typo in a JSON file or URL never silently falls back to a default.
 */
export function validateConfig(
  input: Partial<Record<string, unknown>>,
  base: Readonly<ModelConfig> = DEFAULT_CONFIG,
): { ok: true; config: ModelConfig } | { ok: false; errors: ConfigError[]; unknown: string[] } {
  const unknown = Object.keys(input).filter((k) => !(k in FIELD_SPECS));
  const merged = { ...base, ...input } as Record<string, unknown>;
  const errors: ConfigError[] = [];
  for (const field of CONFIG_FIELDS) {
    const message = checkField(field, merged[field]);
    if (message) errors.push({ field, message });
  }
  if (errors.length === 0) errors.push(...checkCombination(merged as unknown as ModelConfig));
  if (errors.length > 0 || unknown.length > 0) return { ok: false, errors, unknown };
  const config = Object.fromEntries(CONFIG_FIELDS.map((f) => [f, merged[f]])) as unknown as ModelConfig;
  config.mem_layers = [...config.mem_layers].sort((a, b) => a - b);
  return { ok: true, config };
}

/** Like validateConfig, but throws one Error that lists every problem. */
export function parseConfig(
  input: Partial<Record<string, unknown>>,
  base?: Readonly<ModelConfig>,
): ModelConfig {
  const result = validateConfig(input, base);
  if (result.ok) return result.config;
  const lines = [
    ...result.errors.map((e) => e.message),
    ...result.unknown.map((k) => `unknown field "${k}"`),
  ];
  throw new Error(`Invalid config: ${lines.join('; ')}`);
}

/** The value width actually used: v_dim, or d_model when v_dim is 0. */
export function valueDim(c: ModelConfig): number {
  return c.v_dim > 0 ? c.v_dim : c.d_model;
}
