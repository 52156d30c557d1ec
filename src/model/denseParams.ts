import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import type { AttentionParams, FeedForwardParams, NormParams } from './layers';
import { createRng, deriveSeed } from './random';
import { VOCAB_SIZE } from './tokenizer';

/**
 * The transformer's own (non-memory) parameters. Each tensor is initialised from a PRNG seeded by
 * (config.seed, its name), so a baseline and a memory model with the same seed share the same
 * embeddings and attention weights, and the initialisation is identical on every backend.
 *
 * Init (as XLM): embeddings normal with std d^-1/2; linear weights uniform ±1/sqrt(fan_in);
 * biases 0; LayerNorm gain 1, shift 0. The output layer is tied to the token embedding (logits =
 * h·Eᵀ + out_bias), as XLM's default.
 */

export interface BlockParams {
  ln1: NormParams;
  attn: AttentionParams;
  ln2: NormParams;
  /** Absent in memory blocks. */
  ffn?: FeedForwardParams;
}

export interface DenseParams {
  tokEmb: tf.Variable;
  posEmb: tf.Variable;
  outBias: tf.Variable;
  lnF: NormParams;
  blocks: BlockParams[];
  /** Every variable by its stable name (the keys of readWeights), in a fixed order. */
  byName: Map<string, tf.Variable>;
}

type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'const'; value: number };

function initValues(size: number, init: Init, seed: number): Float32Array {
  const values = new Float32Array(size);
  if (init.kind === 'const') return values.fill(init.value);
  const rng = createRng(seed);
  for (let i = 0; i < size; i++) {
    values[i] = init.kind === 'normal' ? init.std * rng.normal() : init.bound * (2 * rng.next() - 1);
  }
  return values;
}

/** The name and shape of every dense parameter for `config`, in the order of `byName`. */
export function denseParamShapes(config: ModelConfig): Map<string, number[]> {
  const d = config.d_model;
  const hidden = d * config.ffn_mult;
  const shapes = new Map<string, number[]>([
    ['tok_emb', [VOCAB_SIZE, d]],
    ['pos_emb', [config.context, d]],
  ]);
  for (let i = 0; i < config.layers; i++) {
    const p = `blocks.${i}`;
    shapes.set(`${p}.ln1.gamma`, [d]);
    shapes.set(`${p}.ln1.beta`, [d]);
    shapes.set(`${p}.attn.wqkv`, [d, 3 * d]);
    shapes.set(`${p}.attn.bqkv`, [3 * d]);
    shapes.set(`${p}.attn.wo`, [d, d]);
    shapes.set(`${p}.attn.bo`, [d]);
    shapes.set(`${p}.ln2.gamma`, [d]);
    shapes.set(`${p}.ln2.beta`, [d]);
    if (!config.mem_layers.includes(i)) {
      shapes.set(`${p}.ffn.w1`, [d, hidden]);
      shapes.set(`${p}.ffn.b1`, [hidden]);
      shapes.set(`${p}.ffn.w2`, [hidden, d]);
      shapes.set(`${p}.ffn.b2`, [d]);
    }
  }
  shapes.set('ln_f.gamma', [d]);
  shapes.set('ln_f.beta', [d]);
  shapes.set('out_bias', [VOCAB_SIZE]);
  return shapes;
}

function initFor(name: string, shape: number[], d: number): Init {
  if (name === 'tok_emb' || name === 'pos_emb') return { kind: 'normal', std: d ** -0.5 };
  if (name.endsWith('.gamma')) return { kind: 'const', value: 1 };
  if (shape.length === 1) return { kind: 'const', value: 0 };
  return { kind: 'uniform', bound: 1 / Math.sqrt(shape[0]) };
}

/** Creates the variables, from `weights` when given (each checked for its shape) or from the seed. */
export function createDenseParams(config: ModelConfig, weights?: Record<string, Float32Array>): DenseParams {
  const byName = new Map<string, tf.Variable>();
  const shapes = denseParamShapes(config);
  if (weights) checkDenseWeights(shapes, weights);
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = weights
      ? weights[name]
      : initValues(size, initFor(name, shape, config.d_model), deriveSeed(config.seed, name));
    // tidy frees the initial tensor; the variable keeps its own reference to the data.
    byName.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true)),
    );
  }
  const v = (name: string) => byName.get(name)!;
  const blocks: BlockParams[] = [];
  for (let i = 0; i < config.layers; i++) {
    const p = `blocks.${i}`;
    blocks.push({
      ln1: { gamma: v(`${p}.ln1.gamma`), beta: v(`${p}.ln1.beta`) },
      attn: {
        wqkv: v(`${p}.attn.wqkv`),
        bqkv: v(`${p}.attn.bqkv`),
        wo: v(`${p}.attn.wo`),
        bo: v(`${p}.attn.bo`),
      },
      ln2: { gamma: v(`${p}.ln2.gamma`), beta: v(`${p}.ln2.beta`) },
      ffn: byName.has(`${p}.ffn.w1`)
        ? { w1: v(`${p}.ffn.w1`), b1: v(`${p}.ffn.b1`), w2: v(`${p}.ffn.w2`), b2: v(`${p}.ffn.b2`) }
        : undefined,
    });
  }
  return {
    tokEmb: v('tok_emb'),
    posEmb: v('pos_emb'),
    outBias: v('out_bias'),
    lnF: { gamma: v('ln_f.gamma'), beta: v('ln_f.beta') },
    blocks,
    byName,
  };
}

/** Throws one error listing every missing, unexpected or wrongly sized weight. */
export function checkDenseWeights(
  shapes: Map<string, number[]>,
  weights: Record<string, Float32Array>,
): void {
  const problems: string[] = [];
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const w = weights[name];
    if (!w) problems.push(`missing ${name}`);
    else if (!(w instanceof Float32Array)) problems.push(`${name} is not a Float32Array`);
    else if (w.length !== size)
      problems.push(`${name} has ${w.length} values, expected ${size} ([${shape}])`);
  }
  for (const name of Object.keys(weights)) if (!shapes.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0) throw new Error(`Weights do not match the model: ${problems.join('; ')}`);
}
