/**
 * Fact recall during training, for finding a knowledge task in which memory capacity shows: trains
 * one config on a knowledge corpus of the given size and prints, every --every steps, the fact
 * recall (every answer byte the top prediction, held-out wording), the answer loss and the
 * surname recall. Short measured runs; `pkm experiment capacity` is the full comparison.
 *
 *   npx tsx scripts/recall-curve.ts --steps 2000 --every 250 \
 *     --config '{"n_keys":64}' --knowledge '{"entities":60,"templates":6}' [--label memory]
 *
 * `--config '{"mem_layers":[]}'` is the model without memory. Runs on tfjs's wasm backend.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseConfig } from '../src/model/config';
import { createBatchSampler, knowledgeTextCorpus } from '../src/model/corpus/dataset';
import { generateKnowledgeCorpus, resolveKnowledge } from '../src/model/corpus/knowledge';
import { spreadSubset, surnameProbes } from '../src/model/experiments/probes';
import { factRecall } from '../src/model/factRecall';
import { createTrainer } from '../src/model/training/trainer';
import { trainFor } from '../src/model/training/trainFor';
import { createModel } from '../src/model/transformer';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '2000' },
    every: { type: 'string', default: '250' },
    config: { type: 'string', default: '{}' },
    knowledge: { type: 'string', default: '{}' },
    probes: { type: 'string', default: '500' },
    label: { type: 'string', default: 'run' },
  },
});

await tf.setBackend('wasm');
const knowledge = resolveKnowledge(JSON.parse(args.knowledge));
const config = parseConfig(JSON.parse(args.config));
const corpus = knowledgeTextCorpus(knowledge);
const facts = spreadSubset(corpus.probes!, Number(args.probes));
const surnames = spreadSubset(surnameProbes(knowledge), Number(args.probes));
// The same facts asked in a wording they were trained in: memorised but not generalised shows here.
const generated = generateKnowledgeCorpus(knowledge);
const trainLines = generated.train.split('\n');
const seen = spreadSubset(
  generated.facts.map((f) => {
    const line = trainLines.find((l) => l.startsWith(f.entity) && l.endsWith(` ${f.value}.`))!;
    return { prompt: line.slice(0, line.length - f.value.length - 1), answer: f.value };
  }),
  Number(args.probes),
);
const steps = Number(args.steps);
const every = Number(args.every);
console.log(
  `${args.label}: ${corpus.probes!.length} facts, ${corpus.train.length} training bytes, ` +
    `knowledge ${JSON.stringify(knowledge)}, config ${args.config}`,
);
const model = createModel(config);
const trainer = createTrainer(model, config);
const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
const start = performance.now();
while (trainer.steps < steps) {
  const summary = await trainFor(trainer, sampler, Math.min(every, steps - trainer.steps));
  const f = await factRecall(model, facts);
  const s = await factRecall(model, surnames);
  const t = await factRecall(model, seen);
  console.log(
    `${args.label} step ${String(trainer.steps).padStart(5)}  train ${summary.meanLoss.toFixed(3)}  ` +
      `facts ${(100 * f.accuracy).toFixed(1).padStart(5)}%  answer loss ${f.answerLoss.toFixed(3)}  ` +
      `trained wording ${(100 * t.accuracy).toFixed(1).padStart(5)}%  ` +
      `surnames ${(100 * s.accuracy).toFixed(1).padStart(5)}%  ${(summary.ms / summary.steps).toFixed(0)} ms/step  ` +
      `${((performance.now() - start) / 1000).toFixed(0)} s`,
  );
}
trainer.dispose();
model.dispose();
