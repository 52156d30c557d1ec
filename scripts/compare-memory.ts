/**
 * Trains the memory model and its same-size baseline (the same config with mem_layers [], i.e. a
 * dense FFN in every block) on the knowledge corpus for the same number of steps, and prints the
 * validation loss of both every --eval-every steps, then fact recall and timings.
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
import { createBatchSampler, knowledgeTextCorpus, validationBatches } from '../src/model/corpus/dataset';
import { generateKnowledgeCorpus } from '../src/model/corpus/knowledge';
import { evaluate } from '../src/model/evaluate';
import { factRecall } from '../src/model/factRecall';
import { createTrainer } from '../src/model/training/trainer';
import { trainFor } from '../src/model/training/trainFor';
import { createModel } from '../src/model/transformer';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    'eval-every': { type: 'string', default: '250' },
    config: { type: 'string', default: '{}' },
    knowledge: { type: 'string', default: '{}' },
    only: { type: 'string' },
  },
});

interface RunLog {
  label: string;
  params: number;
  /** [step, validation loss] */
  curve: [number, number][];
  recall: number;
  answerLoss: number;
  /** Surname given the first name (at a line start): memorising who exists. */
  surnameRecall: number;
  msPerStep: number;
  wallSeconds: number;
}

async function run(label: string, config: ModelConfig, steps: number, every: number): Promise<RunLog> {
  const corpus = knowledgeTextCorpus(JSON.parse(args.knowledge));
  const model = createModel(config);
  const trainer = createTrainer(model, config);
  const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
  const validation = validationBatches(corpus.validation, config.batch, config.context);
  const curve: [number, number][] = [];
  const start = performance.now();
  let trainMs = 0;
  while (trainer.steps < steps) {
    const summary = await trainFor(trainer, sampler, Math.min(every, steps - trainer.steps));
    trainMs += summary.ms;
    const { loss } = await evaluate(model, validation);
    curve.push([trainer.steps, loss]);
    console.log(
      `${label.padEnd(8)} step ${String(trainer.steps).padStart(5)}  val ${loss.toFixed(4)}  ` +
        `train ${summary.lastLoss.toFixed(3)}  ${(summary.ms / summary.steps).toFixed(0)} ms/step`,
    );
  }
  const recall = await factRecall(model, corpus.probes!);
  const people = new Set(generateKnowledgeCorpus(JSON.parse(args.knowledge)).facts.map((f) => f.entity));
  const surnames = await factRecall(
    model,
    [...people].map((name) => {
      const [first, last] = name.split(' ');
      return { prompt: `.\n${first} `, answer: last };
    }),
  );
  const log: RunLog = {
    label,
    params: model.parameterCounts().total,
    curve,
    recall: recall.accuracy,
    answerLoss: recall.answerLoss,
    surnameRecall: surnames.accuracy,
    msPerStep: trainMs / steps,
    wallSeconds: (performance.now() - start) / 1000,
  };
  trainer.dispose();
  model.dispose();
  return log;
}

await tf.setBackend('wasm');
const memory = parseConfig(JSON.parse(args.config));
if (memory.mem_layers.length === 0) throw new Error('the config has no memory layer (mem_layers is empty)');
const baseline = { ...memory, mem_layers: [] };
const steps = Number(args.steps);
const every = Number(args['eval-every']);
const runs: RunLog[] = [];
if (args.only !== 'memory') runs.push(await run('baseline', baseline, steps, every));
if (args.only !== 'baseline') runs.push(await run('memory', memory, steps, every));

console.log('\nrun       params   ms/step  wall s  final val  fact recall  answer loss  surname recall');
for (const r of runs) {
  console.log(
    `${r.label.padEnd(8)} ${String(r.params).padStart(7)}  ${r.msPerStep.toFixed(0).padStart(7)}  ` +
      `${r.wallSeconds.toFixed(0).padStart(6)}  ${r.curve.at(-1)![1].toFixed(4).padStart(9)}  ` +
      `${(100 * r.recall).toFixed(1).padStart(10)}%  ${r.answerLoss.toFixed(3).padStart(11)}  ` +
      `${(100 * r.surnameRecall).toFixed(1).padStart(13)}%`,
  );
}
if (runs.length === 2) {
  console.log('\nstep   baseline  memory   memory − baseline');
  runs[0].curve.forEach(([step, base], i) => {
    const mem = runs[1].curve[i][1];
    console.log(
      `${String(step).padStart(5)}  ${base.toFixed(4)}    ${mem.toFixed(4)}   ${(mem - base).toFixed(4)}`,
    );
  });
}
