/**
 * Trains the memory model and its same-size baseline (the same config with mem_layers [], i.e. a
 * dense FFN in every block) on the knowledge corpus for the same number of steps, and prints the
 * validation loss of both every --eval-every steps, then fact recall and timings. The training and
 * measuring is the experiments' (src/model/experiments/trainRun.ts); `pkm experiment
 * depth-vs-memory` is the full comparison, with a 2L baseline and inference speed.
 *
 *   npx tsx scripts/compare-memory.ts [--steps 1500] [--eval-every 250]
 *     [--config '{"value_lr":0.05}'] [--knowledge '{"entities":400}'] [--only memory|baseline]
 *
 * Runs on tfjs's wasm backend, one model after the other (use --only in two shells to run both at
 * once on two cores).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { type ModelConfig, parseConfig } from '../src/model/config';
import { DEFAULT_EVAL_BATCHES, knowledgeTextCorpus } from '../src/model/corpus/dataset';
import { surnameProbes } from '../src/model/experiments/probes';
import { trainRun } from '../src/model/experiments/trainRun';
import type { RunResult } from '../src/model/experiments/types';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    'eval-every': { type: 'string', default: '250' },
    config: { type: 'string', default: '{}' },
    knowledge: { type: 'string', default: '{}' },
    only: { type: 'string' },
  },
});

const knowledge = JSON.parse(args.knowledge);
const corpus = knowledgeTextCorpus(knowledge);
const surnames = surnameProbes(knowledge);

async function run(label: string, config: ModelConfig, steps: number, every: number): Promise<RunResult> {
  const { result, model } = await trainRun(label, config, corpus, {
    steps,
    evalEvery: every,
    lossEvery: every,
    curveBatches: DEFAULT_EVAL_BATCHES,
    metricBatches: DEFAULT_EVAL_BATCHES,
    factProbes: corpus.probes!,
    surnameProbes: surnames,
    onProgress: (line) => console.log(line),
  });
  model.dispose();
  return result;
}

await tf.setBackend('wasm');
const memory = parseConfig(JSON.parse(args.config));
if (memory.mem_layers.length === 0) throw new Error('the config has no memory layer (mem_layers is empty)');
const baseline = { ...memory, mem_layers: [] };
const steps = Number(args.steps);
const every = Number(args['eval-every']);
const runs: RunResult[] = [];
if (args.only !== 'memory') runs.push(await run('baseline', baseline, steps, every));
if (args.only !== 'baseline') runs.push(await run('memory', memory, steps, every));

console.log('\nrun       params   ms/step  wall s  final val  fact recall  answer loss  surname recall');
for (const r of runs) {
  const recall = r.final.recall!;
  console.log(
    `${r.arm.padEnd(8)} ${String(r.params.total).padStart(7)}  ${r.stepMsMedian.toFixed(0).padStart(7)}  ` +
      `${r.wallSeconds.toFixed(0).padStart(6)}  ${r.final.loss.toFixed(4).padStart(9)}  ` +
      `${(100 * recall.factAccuracy).toFixed(1).padStart(10)}%  ${recall.answerLoss.toFixed(3).padStart(11)}  ` +
      `${(100 * recall.surnameAccuracy).toFixed(1).padStart(13)}%`,
  );
}
if (runs.length === 2) {
  console.log('\nstep   baseline  memory   memory − baseline');
  runs[0].validationCurve.forEach(([step, base], i) => {
    const mem = runs[1].validationCurve[i][1];
    console.log(
      `${String(step).padStart(5)}  ${base.toFixed(4)}    ${mem.toFixed(4)}   ${(mem - base).toFixed(4)}`,
    );
  });
}
