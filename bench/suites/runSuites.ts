import * as tf from '@tensorflow/tfjs';
import type { SuiteName } from '../lib/args';
import { watchGpuErrors } from '../lib/gpuErrors';
import type { Plan } from '../lib/plan';
import type { BenchResult } from '../lib/result';
import { benchLookup } from './lookup';
import { benchModel } from './model';
import { benchScaling } from './scaling';
import { benchStepWork, PAPER_CONFIG } from './stepwork';

/** The tfjs suites (lookup, memory-step scaling), shared by the Node runner and the browser page. */

export type SuitesResult = Pick<
  BenchResult,
  'lookup' | 'scaling' | 'vs_ffn' | 'stepwork' | 'settings' | 'notes'
>;

export async function runTfSuites(
  plan: Plan,
  suites: readonly SuiteName[],
  log: (m: string) => void,
): Promise<SuitesResult> {
  const out: SuitesResult = { settings: {}, notes: [] };
  const tensorsBefore = tf.memory().numTensors;
  const gpuErrors = watchGpuErrors();
  let seen = 0;
  /** Notes the WebGPU errors raised since the last call, naming the suite they came from. */
  const flagErrors = (suite: string) => {
    const messages = gpuErrors?.messages.slice(seen) ?? [];
    seen += messages.length;
    if (messages.length === 0) return;
    out.notes.push(
      `WebGPU reported ${messages.length} errors during the ${suite} suite, so its figures are suspect (first: ${messages[0]}).`,
    );
  };
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
    flagErrors('lookup');
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
    flagErrors('scaling');
  }
  if (suites.includes('model') && plan.model.nKeys.length === 0) {
    out.notes.push(
      'The full model is not measured by a quick run on this device (one step takes seconds here): run without --quick.',
    );
  } else if (suites.includes('model')) {
    const c = plan.model.config;
    out.settings.model = {
      n_keys: plan.model.nKeys,
      dense_max_n_keys: plan.model.denseMaxNKeys,
      d_model: c.d_model,
      layers: c.layers,
      mem_layers: c.mem_layers,
      heads: c.heads,
      k_dim: c.k_dim,
      knn: c.knn,
      ffn_mult: c.ffn_mult,
      batch: c.batch,
      context: c.context,
      warmup: plan.model.warmup,
      reps: plan.model.reps,
      step: 'createModel + createTrainer, trainer.step on a fixed batch, then a read-back of the smallest dense variable',
      ffn: 'the same config with mem_layers [] (a dense FFN in that block)',
      dense: 'the same model with DenseValueMemory blocks (dense-gradient values in the trainer dense Adam)',
      inference: "forward(tokens [batch, context], 'eval') with the logits read back",
    };
    const m = await benchModel(plan.model, log);
    out.vs_ffn = m.vs_ffn;
    out.scaling ??= [];
    for (const s of m.steps) {
      let row = out.scaling.find((r) => r.n_keys === s.n_keys);
      if (!row) {
        row = { n_keys: s.n_keys, slots: s.n_keys * s.n_keys };
        out.scaling.push(row);
      }
      Object.assign(row, {
        model_step_ms: s.step_ms,
        model_spread: s.spread,
        model_over_ffn: s.over_ffn,
        ...(s.over_4096 !== undefined ? { model_over_4096: s.over_4096 } : {}),
        ...(s.dense_step_ms !== undefined ? { model_dense_step_ms: s.dense_step_ms } : {}),
      });
    }
    out.scaling.sort((a, b) => a.slots - b.slots);
    flagErrors('model');
  }
  if (suites.includes('stepwork')) {
    const p = plan.stepwork;
    out.settings.stepwork = {
      model: p.model
        ? 'default config (src/model/config.ts): createModel + createTrainer, trainer.step'
        : 'not run',
      memory_n_keys: p.memoryNKeys,
      ...(p.paper
        ? {
            paper: {
              n_keys: PAPER_CONFIG.n_keys,
              v_dim: PAPER_CONFIG.d_model,
              knn: PAPER_CONFIG.knn,
              heads: PAPER_CONFIG.heads,
              k_dim: PAPER_CONFIG.k_dim,
            },
          }
        : {}),
      warmup: p.warmup,
      reps: p.reps,
      modes: "setKernelMode('fused' | 'reference') per repetition, interleaved, on the same weights",
      counts:
        'one steady-state step per mode: engine.runKernel calls (compute = all but Reshape/Identity/ExpandDims), WebGPU programs, backend read/readSync; a read is blocking when the step issued nothing while it was pending and went on after it',
    };
    if (!p.model)
      out.notes.push(
        'Step work: the default model is not measured by a quick run on a software GPU (a step takes seconds).',
      );
    out.stepwork = await benchStepWork(p, log);
    flagErrors('stepwork');
  }
  gpuErrors?.stop();
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) throw new Error(`the benchmark suites leaked ${leaked} tensors`);
  return out;
}
