import * as tf from '@tensorflow/tfjs';
import type { SuiteName } from '../lib/args';
import type { Plan } from '../lib/plan';
import type { BenchResult } from '../lib/result';
import { benchLookup } from './lookup';
import { benchScaling } from './scaling';

/** The tfjs suites (lookup, memory-step scaling), shared by the Node runner and the browser page. */

export type SuitesResult = Pick<BenchResult, 'lookup' | 'scaling' | 'vs_ffn' | 'settings' | 'notes'>;

export async function runTfSuites(
  plan: Plan,
  suites: readonly SuiteName[],
  log: (m: string) => void,
): Promise<SuitesResult> {
  const out: SuitesResult = { settings: {}, notes: [] };
  const tensorsBefore = tf.memory().numTensors;
  if (plan.device === 'software-gpu') {
    out.notes.push(
      'Software WebGPU adapter (SwiftShader): figures show that the WebGPU path runs, not how fast a GPU is; fewer sizes and a 256-query lookup batch keep the run short.',
    );
  }
  if (suites.includes('lookup')) {
    const { nKeys, batch, kDim, knn, warmup, reps } = plan.lookup;
    out.settings.lookup = {
      n_keys: nKeys,
      batch,
      heads: 1,
      k_dim: kDim,
      knn,
      query_norm: 'none',
      warmup,
      reps,
      selection: "select.ts productSelect / flatSelect on the module's keys: query → top-k slot ids",
      read: "module forward(x, 'eval'): query net + selection + softmax + value gather (v_dim = k_dim)",
    };
    out.lookup = await benchLookup(plan.lookup, log);
    const skipped = out.lookup.find((r) => r.flat_skipped);
    if (skipped) out.notes.push(`Flat keys at ${skipped.slots} slots not measured: ${skipped.flat_skipped}.`);
  }
  if (suites.includes('scaling')) {
    const c = plan.steps.config;
    out.settings.scaling = {
      n_keys: plan.steps.nKeys,
      dense_max_n_keys: plan.steps.denseMaxNKeys,
      d_model: c.d_model,
      v_dim: c.d_model,
      heads: c.heads,
      k_dim: c.k_dim,
      knn: c.knn,
      query_norm: c.query_norm,
      tokens: c.batch * c.context,
      warmup: plan.steps.warmup,
      reps: plan.steps.reps,
      step: 'memory layer alone: forward, gradients, dense Adam on query net and keys, value update, MSE to a fixed target',
      sparse: 'memory module: value-row gradients + in-place sparse Adam',
      dense:
        'bench baseline: same query net and selection, gather with a dense scatterND gradient + tf.train.adam on the whole table',
    };
    out.scaling = await benchScaling(plan.steps, log);
  }
  if (suites.includes('model')) {
    out.notes.push(
      'The full-model suites (model step scaling, memory vs FFN) need createModel and createTrainer, not on this branch yet.',
    );
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) throw new Error(`the benchmark suites leaked ${leaked} tensors`);
  return out;
}
