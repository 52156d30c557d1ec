import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { checkDenseWeights, createDenseParams, type DenseParams } from './denseParams';
import { causalMask, causalSelfAttention, embedOneHot, feedForward, layerNorm } from './layers';
import { createMemory } from './memory/createMemory';
import { memorySpecFromConfig, slotCount } from './memory/spec';
import type { ForwardMode, MemoryModule, MemoryRead, MemorySpec, MemoryWeights } from './memory/types';
import { ValuePool } from './memory/valuePool';
import { checkMemoryWeights, initMemoryWeights } from './memory/weights';
import { meanCrossEntropy } from './ops/crossEntropy';
import { linearRows } from './ops/linear';
import { swapLastAxes } from './ops/swapLast';
import { type ParameterCounts, parameterCounts } from './parameterCounts';
import { deriveSeed } from './random';
import { VOCAB_SIZE } from './tokenizer';

/**
 * Decoder-only transformer over byte tokens: pre-LN blocks `x + attn(LN(x))`, then
 * `x + ff(LN(x))` where ff is a dense GELU feed-forward or, in the blocks listed in
 * config.mem_layers, a memory module. Learned positions; output tied to the token embedding.
 */

/** Builds the memory module of one block; `valuePool` (mem_share_values) is the table it must read. */
export interface MemoryFactory {
  spec(config: ModelConfig): MemorySpec;
  create(
    spec: MemorySpec,
    init: { seed: number } | { weights: MemoryWeights },
    valuePool?: ValuePool,
  ): MemoryModule;
}

/** The product/flat-key memory of memory/createMemory.ts, shaped by the model config. */
export const DEFAULT_MEMORY_FACTORY: MemoryFactory = {
  spec: memorySpecFromConfig,
  create: (spec, init, valuePool) => createMemory(spec, init, { valuePool }),
};

/**
 * Weights of a whole model as plain arrays: dense tensors by name, memories in mem_layers order.
 * With mem_share_values every memory's `values` is the one shared table (the first one's is used).
 */
export interface ModelWeights {
  dense: Record<string, Float32Array>;
  memories: MemoryWeights[];
}

export interface ForwardResult {
  /** [B, T, 256] */
  logits: tf.Tensor3D;
  /** One read per memory (mem_layers order), over the B·T token states, row = b·T + t. */
  reads: MemoryRead[];
}

export interface LossResult {
  /** Mean cross-entropy (nats per token) of predicting tokens 1..T from 0..T-1. */
  loss: tf.Scalar;
  reads: MemoryRead[];
}

export interface PkmModel {
  readonly config: ModelConfig;
  /** The memory modules, one per entry of memoryLayers. Replaced by loadWeights. */
  readonly memories: MemoryModule[];
  /** mem_share_values: the value table all memories read (replaced by loadWeights); else null. */
  readonly sharedValues: ValuePool | null;
  /** config.mem_layers, sorted: the block index of each memory. */
  readonly memoryLayers: readonly number[];
  /** Call inside tf.tidy. tokens: int32 [B, T] with T ≤ context. */
  forward(tokens: tf.Tensor2D, mode: ForwardMode): ForwardResult;
  /** Call inside tf.tidy (or tf.variableGrads). sequences: int32 [B, T + 1]. */
  loss(sequences: tf.Tensor2D, mode: ForwardMode): LossResult;
  /** The transformer's own variables in a fixed order (without the memories'). */
  ownVariables(): tf.Variable[];
  /** Everything the dense optimiser trains: own variables, then each memory's dense variables. */
  denseVariables(): tf.Variable[];
  parameterCounts(): ParameterCounts;
  readWeights(): Promise<ModelWeights>;
  /** Replaces all weights (dense in place; memories are rebuilt from their weights). */
  loadWeights(weights: ModelWeights): void;
  dispose(): void;
}

export interface CreateModelOptions {
  /** Start from these weights instead of the seeded initialisation. */
  weights?: ModelWeights;
  /** How memory blocks are built (default: DEFAULT_MEMORY_FACTORY). */
  memoryFactory?: MemoryFactory;
}

export function createModel(config: ModelConfig, options: CreateModelOptions = {}): PkmModel {
  const memLayers = [...config.mem_layers].sort((a, b) => a - b);
  const factory = options.memoryFactory ?? DEFAULT_MEMORY_FACTORY;
  const spec = memLayers.length > 0 ? factory.spec(config) : undefined;
  if (spec && spec.d_out !== config.d_model) {
    throw new Error(`the memory's output width ${spec.d_out} must equal d_model ${config.d_model}`);
  }
  if (options.weights && options.weights.memories.length !== memLayers.length) {
    throw new Error(
      `Weights do not match the model: ${options.weights.memories.length} memories given, ` +
        `config.mem_layers has ${memLayers.length}`,
    );
  }
  const params: DenseParams = createDenseParams(config, options.weights?.dense);
  const inits = memLayers.map((layer, i) =>
    options.weights
      ? { weights: options.weights.memories[i] }
      : { seed: deriveSeed(config.seed, 'memory', layer) },
  );
  let built: { memories: MemoryModule[]; pool: ValuePool | null };
  try {
    built = buildMemories(config, factory, spec, inits);
  } catch (err) {
    for (const v of params.byName.values()) v.dispose();
    throw err;
  }
  const memories = built.memories;
  let sharedValues = built.pool;
  const mask = causalMask(config.context);
  const d = config.d_model;

  function forward(tokens: tf.Tensor2D, mode: ForwardMode): ForwardResult {
    const [batch, time] = tokens.shape;
    if (time > config.context) throw new Error(`sequence length ${time} exceeds context ${config.context}`);
    // One-hot · embedding instead of gather: gather's gradient is not available on wasm.
    const onehot = tf.oneHot(tokens.reshape([-1]), VOCAB_SIZE).toFloat();
    const positions = time === config.context ? params.posEmb : params.posEmb.slice([0, 0], [time, d]);
    let x = embedOneHot(onehot as tf.Tensor2D, params.tokEmb as tf.Tensor2D)
      .reshape([batch, time, d])
      .add(positions) as tf.Tensor3D;
    const causal = time === config.context ? mask : mask.slice([0, 0], [time, time]);
    const reads: MemoryRead[] = [];
    params.blocks.forEach((block, i) => {
      x = x.add(
        causalSelfAttention(layerNorm(x, block.ln1) as tf.Tensor3D, block.attn, config.attn_heads, causal),
      );
      const h = layerNorm(x, block.ln2);
      if (block.ffn) {
        x = x.add(feedForward(h, block.ffn));
      } else {
        const read = memories[memLayers.indexOf(i)].forward(
          h.reshape([batch * time, d]) as tf.Tensor2D,
          mode,
        );
        reads.push(read);
        x = x.add(read.output.reshape([batch, time, d]));
      }
    });
    const out = layerNorm(x, params.lnF).reshape([batch * time, d]);
    // Tied output embedding: x·Eᵀ + b, with the fused bias gradient (a [N, vocab] column sum).
    const logits = linearRows(
      out as tf.Tensor2D,
      swapLastAxes(params.tokEmb as tf.Tensor2D),
      params.outBias as tf.Tensor1D,
    );
    return { logits: logits.reshape([batch, time, VOCAB_SIZE]) as tf.Tensor3D, reads };
  }

  function loss(sequences: tf.Tensor2D, mode: ForwardMode): LossResult {
    const [batch, length] = sequences.shape;
    if (length < 2) throw new Error(`loss needs sequences of at least 2 tokens (got ${length})`);
    const inputs = sequences.slice([0, 0], [batch, length - 1]);
    const targets = sequences.slice([0, 1], [batch, length - 1]).reshape([-1]);
    const { logits, reads } = forward(inputs, mode);
    const flat = logits.reshape([-1, VOCAB_SIZE]) as tf.Tensor2D;
    return { loss: meanCrossEntropy(flat, targets as tf.Tensor1D), reads };
  }

  const ownVariables = () => [...params.byName.values()];

  const model: PkmModel = {
    config,
    memories,
    get sharedValues() {
      return sharedValues;
    },
    memoryLayers: memLayers,
    forward,
    loss,
    ownVariables,
    denseVariables: () => [...ownVariables(), ...memories.flatMap((m) => m.denseVariables())],
    parameterCounts: () => parameterCounts(config, spec),
    async readWeights() {
      const dense: Record<string, Float32Array> = {};
      for (const [name, v] of params.byName) dense[name] = (await v.data()) as Float32Array;
      const memoryWeights: MemoryWeights[] = [];
      for (const m of memories) memoryWeights.push(await m.readWeights());
      // One shared table: every memory's entry is the same array (checkpoints store it once).
      if (sharedValues) for (const w of memoryWeights) w.values = memoryWeights[0].values;
      return { dense, memories: memoryWeights };
    },
    loadWeights(weights) {
      if (weights.memories.length !== memories.length) {
        throw new Error(
          `Weights do not match the model: ${weights.memories.length} memories given, ${memories.length} expected`,
        );
      }
      const shapes = new Map([...params.byName].map(([name, v]) => [name, v.shape as number[]]));
      // Check everything before changing anything, so a bad file leaves the model intact.
      checkDenseWeights(shapes, weights.dense);
      const rebuilt = buildMemories(
        config,
        factory,
        spec,
        weights.memories.map((w) => ({ weights: w })),
      );
      for (const [name, v] of params.byName) {
        tf.tidy(() => v.assign(tf.tensor(weights.dense[name], v.shape, 'float32')));
      }
      memories.forEach((m, i) => {
        m.dispose();
        memories[i] = rebuilt.memories[i];
      });
      sharedValues?.dispose();
      sharedValues = rebuilt.pool;
    },
    dispose() {
      for (const v of params.byName.values()) v.dispose();
      for (const m of memories) m.dispose();
      sharedValues?.dispose();
      mask.dispose();
    },
  };
  return model;
}

/**
 * The memories of a model. With mem_share_values one pool, made from the first memory's values,
 * is read and trained by all of them (the others' values are unused), as in Memory Layers at Scale.
 */
function buildMemories(
  config: ModelConfig,
  factory: MemoryFactory,
  spec: MemorySpec | undefined,
  inits: ({ seed: number } | { weights: MemoryWeights })[],
): { memories: MemoryModule[]; pool: ValuePool | null } {
  const memories: MemoryModule[] = [];
  let pool: ValuePool | null = null;
  try {
    if (spec && config.mem_share_values && inits.length > 1) {
      const first = inits[0];
      if ('weights' in first) checkMemoryWeights(spec, first.weights);
      const values = 'weights' in first ? first.weights.values : initMemoryWeights(spec, first.seed).values;
      pool = new ValuePool(values, slotCount(spec), spec.v_dim);
    }
    for (const init of inits) memories.push(factory.create(spec!, init, pool ?? undefined));
    return { memories, pool };
  } catch (err) {
    // Bad memory weights: free what was already built before reporting.
    for (const m of memories) m.dispose();
    pool?.dispose();
    throw err;
  }
}
