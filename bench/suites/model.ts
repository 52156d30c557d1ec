import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../src/model/config';
import type { TokenBatch } from '../../src/model/corpus/dataset';
import { memorySpecFromConfig } from '../../src/model/memory';
import { createTrainer, type Trainer } from '../../src/model/training/trainer';
import { createModel, type MemoryFactory, type PkmModel } from '../../src/model/transformer';
import { timeInterleaved } from '../lib/interleave';
import type { ModelPlan } from '../lib/plan';
import type { VsFfn } from '../lib/result';
import { pairedRatio, round, summarize } from '../lib/stats';
import { DenseValueMemory } from './denseValueMemory';

/**
 * The full model (createModel + createTrainer): one training step with the memory at each size,
 * against the same model with a dense FFN in that block (mem_layers = []) and, up to
 * denseMaxNKeys, the same model with the dense-gradient value path; all models alive and timed
 * round-robin. Inference throughput is a batched forward in 'eval' mode (batch × context
 * tokens, logits read back).
 */

type Log = (message: string) => void;

interface ModelUnit {
  name: string;
  /** null: the FFN model. */
  nKeys: number | null;
  model: PkmModel;
  trainer: Trainer;
  /** The smallest dense variable: reading it back waits for the step's last update. */
  fence: tf.Variable;
}

export interface ModelBench {
  /** Per memory size (n_keys): step time median, spread, and ratio to the 2^12 model, paired. */
  steps: {
    n_keys: number;
    step_ms: number;
    spread: [number, number];
    over_4096?: number;
    over_ffn: number;
    /** The same model with the dense-gradient value path (DenseValueMemory). */
    dense_step_ms?: number;
  }[];
  vs_ffn: VsFfn;
}

/** A fixed batch of byte tokens [batch, context + 1] (the step's cost does not depend on the bytes). */
export function fixedBatch(config: ModelConfig, seed = 5): TokenBatch {
  const length = config.context + 1;
  const tokens = new Int32Array(config.batch * length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < tokens.length; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    tokens[i] = s >>> 24;
  }
  return { tokens, batch: config.batch, length };
}

/** The memory blocks of the dense-gradient model: DenseValueMemory instead of the memory module. */
const DENSE_VALUES: MemoryFactory = {
  spec: memorySpecFromConfig,
  create: (spec, init) => new DenseValueMemory(spec, init),
};

type Kind = 'ffn' | 'pkm' | 'dense';

function makeUnit(config: ModelConfig, kind: Kind, nKeys: number | null): ModelUnit {
  const c: ModelConfig = kind === 'ffn' ? { ...config, mem_layers: [] } : { ...config, n_keys: nKeys! };
  const model = createModel(c, kind === 'dense' ? { memoryFactory: DENSE_VALUES } : {});
  const trainer = createTrainer(model);
  const fence = model.denseVariables().reduce((a, b) => (b.size < a.size ? b : a));
  return { name: kind === 'ffn' ? 'ffn' : `${kind}:${nKeys}`, nKeys, model, trainer, fence };
}

async function trainStep(unit: ModelUnit, batch: TokenBatch): Promise<void> {
  await unit.trainer.step(batch);
  await unit.fence.data();
}

function inference(unit: ModelUnit, tokens: tf.Tensor2D): () => Promise<void> {
  return async () => {
    const logits = tf.tidy(() => unit.model.forward(tokens, 'eval').logits);
    try {
      await logits.data();
    } finally {
      logits.dispose();
    }
  };
}

export async function benchModel(plan: ModelPlan, log: Log): Promise<ModelBench> {
  const config = plan.config;
  if (config.mem_layers.length !== 1)
    throw new Error(
      `model bench: the config needs exactly one memory block (got ${config.mem_layers.length})`,
    );
  const layer = config.mem_layers[0];
  const batch = fixedBatch(config);
  const units: ModelUnit[] = [];
  const tokens = tf.tidy(() => {
    const all = tf.tensor2d(batch.tokens, [batch.batch, batch.length], 'int32');
    return tf.slice(all, [0, 0], [batch.batch, config.context]) as tf.Tensor2D;
  });
  try {
    units.push(makeUnit(config, 'ffn', null));
    for (const n of plan.nKeys) units.push(makeUnit(config, 'pkm', n));
    for (const n of plan.nKeys) if (n <= plan.denseMaxNKeys) units.push(makeUnit(config, 'dense', n));
    log(`model: ${units.map((u) => u.name).join(', ')} (d_model ${config.d_model}, ${config.layers} layers)`);
    const train = await timeInterleaved(
      units.map((u) => ({ name: u.name, run: () => trainStep(u, batch) })),
      { warmup: plan.warmup, reps: plan.reps, onRep: (r) => log(`  training repetition ${r}/${plan.reps}`) },
    );
    const sparse = units.filter((u) => !u.name.startsWith('dense:'));
    const infer = await timeInterleaved(
      sparse.map((u) => ({ name: u.name, run: inference(u, tokens) })),
      { warmup: plan.warmup, reps: plan.reps },
    );
    const ffn = units[0];
    const reference = train['pkm:64'];
    const steps = plan.nKeys.map((n) => {
      const s = summarize(train[`pkm:${n}`]);
      return {
        n_keys: n,
        step_ms: round(s.median),
        spread: [round(s.p25), round(s.p75)] as [number, number],
        ...(reference ? { over_4096: round(pairedRatio(train[`pkm:${n}`], reference).median) } : {}),
        over_ffn: round(pairedRatio(train[`pkm:${n}`], train.ffn).median),
        ...(train[`dense:${n}`] ? { dense_step_ms: round(summarize(train[`dense:${n}`]).median) } : {}),
      };
    });
    // The comparison with the FFN model uses the largest memory measured (the hardest case).
    const largest = sparse[sparse.length - 1];
    const pkmCounts = largest.model.parameterCounts();
    const ffnCounts = ffn.model.parameterCounts();
    const ratio = pairedRatio(train[largest.name], train.ffn);
    const tokensPerS = (name: string) =>
      round((batch.batch * config.context * 1000) / summarize(infer[name]).median);
    const vs_ffn: VsFfn = {
      n_keys: largest.nKeys!,
      pkm_step_ms: round(summarize(train[largest.name]).median),
      ffn_step_ms: round(summarize(train.ffn).median),
      ratio: round(ratio.median),
      ratio_spread: [round(ratio.p25), round(ratio.p75)],
      pkm_params: pkmCounts.blocks[layer].memory?.total ?? 0,
      ffn_params: ffnCounts.blocks[layer].ffn,
      pkm_model_params: pkmCounts.total,
      ffn_model_params: ffnCounts.total,
      pkm_tokens_per_s: tokensPerS(largest.name),
      ffn_tokens_per_s: tokensPerS('ffn'),
    };
    return { steps, vs_ffn };
  } finally {
    for (const u of units) {
      u.trainer.dispose();
      u.model.dispose();
    }
    tokens.dispose();
  }
}
