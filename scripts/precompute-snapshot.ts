/**
 * Trains the DEFAULT_CONFIG model on the knowledge corpus (tfjs wasm backend, in Node) and writes
 * what the app shows before its live model has warmed up, plus the components' captured fixture set:
 *
 *   npx tsx scripts/precompute-snapshot.ts [--steps 2500] [--eval-every 100] [--eval-batches 8]
 *
 * App (src/app/precomputed/): defaultRun.json (bundled: loss curve, validations with memory metrics,
 * fact recall at every validation step (the engine's probes), the default token's trace),
 * defaultRun.traces.json (a trace of every byte of the default text),
 * defaultRun.safetensors (usage maps; reads of the inspection text for the slot inspector) and
 * defaultRun.checkpoint.safetensors (the trained model as a compact engine checkpoint, with its
 * optimiser, sampler, usage counts, losses and recall: the live model continues this run).
 * Fixtures (test/fixtures/data/captured/): config.json, traces.json, usage.json + usage.bin,
 * history.json (see the README there). Deterministic for a given config and step count.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  binaryNames,
  PRECOMPUTED_FORMAT,
  PRECOMPUTED_VERSION,
  type PrecomputedRunJson,
  type PrecomputedTracesJson,
  tagArrays,
} from '../src/app/precomputed/format';
import { encodeCheckpoint } from '../src/engine/checkpoint';
import { evalReport } from '../src/engine/evalReport';
import type { EvalReport, RecallPoint, TokenTrace } from '../src/engine/protocol';
import { recallProbes } from '../src/engine/run';
import { DEFAULT_CONFIG, type ModelConfig } from '../src/model/config';
import { createBatchSampler, knowledgeTextCorpus, validationBatches } from '../src/model/corpus/dataset';
import { factRecall } from '../src/model/factRecall';
import { writeSafetensors } from '../src/model/io/safetensors';
import { decode, encode } from '../src/model/tokenizer';
import { createTrainer, stepAndFlush } from '../src/model/training/trainer';
import { createModel, type PkmModel } from '../src/model/transformer';
import { writeCapturedFixtures } from './precompute/capturedFixtures';
import { createMemoryRecorder, type MemoryRecorder } from './precompute/recordingMemory';
import { readText, traceToken } from './precompute/traceText';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '2500' },
    'eval-every': { type: 'string', default: '100' },
    'eval-batches': { type: 'string', default: '8' },
    'inspection-bytes': { type: 'string', default: '1024' },
    'app-out': { type: 'string', default: 'src/app/precomputed' },
    'fixtures-out': { type: 'string', default: 'test/fixtures/data/captured' },
  },
});
const STEPS = Number(args.steps);
const EVAL_EVERY = Number(args['eval-every']);
const EVAL_BATCHES = Number(args['eval-batches']);
const INSPECTION_BYTES = Number(args['inspection-bytes']);

/**
 * The default token: in a validation sentence "<name> lives in <city>.", the space before the
 * city, whose next byte the model can only know from memory. Picks the sentence where the trained
 * model is most sure of the right first letter.
 */
async function chooseDefault(
  model: PkmModel,
  recorder: MemoryRecorder,
  validation: string,
  step: number,
): Promise<{ text: string; position: number; trace: TokenTrace }> {
  const lines = validation.split('\n').filter((l) => / (lives in|is from) [A-Z]/.test(l));
  let best: { text: string; position: number; trace: TokenTrace; p: number } | null = null;
  for (const text of lines.slice(0, 300)) {
    const bytes = encode(text);
    const position = text.search(/ [A-Z][a-z]+\.$/);
    const trace = await traceToken(model, recorder, text, bytes, position, step);
    const top = trace.predictions[0];
    const p = top.token === bytes[position + 1] ? top.probability : 0;
    if (!best || p > best.p) best = { text, position, trace, p };
  }
  if (!best) throw new Error('no "lives in" sentence in the validation text');
  console.log(`default token: ${JSON.stringify(best.text)} @ ${best.position} (p = ${best.p.toFixed(3)})`);
  return best;
}

await tf.setBackend('wasm');
const config: ModelConfig = { ...DEFAULT_CONFIG, mem_layers: [...DEFAULT_CONFIG.mem_layers] };
const corpus = knowledgeTextCorpus();
const recorder = createMemoryRecorder();
const model = createModel(config, { memoryFactory: recorder.factory });
const trainer = createTrainer(model, config);
const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
const valBatches = validationBatches(corpus.validation, config.batch, config.context, EVAL_BATCHES);

const probes = recallProbes(corpus);
/** Fact recall of the weights now, on the questions the engine's live recall asks. */
async function recallPoint(step: number): Promise<RecallPoint> {
  const { accuracy, answerLoss } = await factRecall(model, probes);
  return { step, accuracy, answerLoss };
}

const losses: number[] = [];
const evals: EvalReport[] = [await evalReport(model, valBatches, 0)];
const recallHistory: RecallPoint[] = [await recallPoint(0)];
let lr = Number.NaN;
let gradNorm = Number.NaN;
let trainMs = 0;
const started = performance.now();
while (trainer.steps < STEPS) {
  // Evaluations below need the weights of exactly step r.step: no step may be queued ahead.
  const r = await stepAndFlush(trainer, sampler.next());
  losses.push(r.loss);
  lr = r.lr;
  gradNorm = r.gradNorm;
  trainMs += r.ms;
  if (r.step % EVAL_EVERY === 0 || r.step === STEPS) {
    const report = await evalReport(model, valBatches, r.step);
    evals.push(report);
    const point = await recallPoint(r.step);
    recallHistory.push(point);
    const usage = report.memories.map((m) => `${(100 * m.metrics.usage).toFixed(1)}%`).join(' ');
    console.log(
      `step ${String(r.step).padStart(4)}  train ${r.loss.toFixed(3)}  val ${report.loss.toFixed(3)}  usage ${usage}  ` +
        `recall ${(100 * point.accuracy).toFixed(1)}%  ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
}
// The checkpoint is taken before anything else runs the model (the engine resumes from exactly here).
const checkpoint = encodeCheckpoint(
  {
    config,
    weights: await model.readWeights(),
    optimizer: await trainer.readOptimizerState(),
    valueOptimizers: await Promise.all(recorder.valueOptimizers.map((read) => read())),
    step: STEPS,
    samplerState: sampler.state,
    usage: {
      halfLife: 0,
      layers: model.memoryLayers.map((layer, i) => {
        const u = recorder.usage[i];
        const flat = (snap: ReturnType<typeof u.counts.snapshot>) => {
          const out = new Float32Array(snap.perHead.length * snap.total.length);
          snap.perHead.forEach((h, k) => {
            out.set(h, k * snap.total.length);
          });
          return out;
        };
        return {
          layer,
          heads: u.counts.heads,
          counts: flat(u.counts.snapshot()),
          weights: flat(u.weights.snapshot()),
          tokens: u.tokens,
        };
      }),
    },
    losses: { start: 1, loss: Float32Array.from(losses) },
    recall: recallHistory,
  },
  { compact: true },
);
const recall = await factRecall(model, corpus.probes!);
evals[evals.length - 1].recall = { ...recall };
console.log(`fact recall ${(100 * recall.accuracy).toFixed(1)}% over ${recall.probes} probes`);

const validationText = decode(corpus.validation);
const chosen = await chooseDefault(model, recorder, validationText, STEPS);
const defaultBytes = encode(chosen.text);
const allTraces: TokenTrace[] = [];
for (let p = 0; p < defaultBytes.length; p++) {
  allTraces.push(await traceToken(model, recorder, chosen.text, defaultBytes, p, STEPS));
}

// The inspection text: whole lines from the start of the validation text.
const cut = validationText.lastIndexOf('\n', INSPECTION_BYTES) + 1;
const inspectionText = validationText.slice(0, cut);
const inspectionBytes = encode(inspectionText);
const reads = await readText(model, inspectionBytes);

const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
const usageMeta: PrecomputedRunJson['usage'] = [];
model.memories.forEach((m, i) => {
  const layer = model.memoryLayers[i];
  const { heads } = m.spec;
  const slots = m.spec.n_keys * m.spec.n_keys;
  const u = recorder.usage[i];
  const flat = (snap: ReturnType<typeof u.counts.snapshot>) => {
    const out = new Float32Array(heads * slots);
    snap.perHead.forEach((h, k) => {
      out.set(h, k * slots);
    });
    return out;
  };
  tensors[binaryNames.usageCounts(layer)] = { shape: [heads, slots], data: flat(u.counts.snapshot()) };
  tensors[binaryNames.usageWeights(layer)] = { shape: [heads, slots], data: flat(u.weights.snapshot()) };
  usageMeta.push({ layer, heads, slots, tokens: u.tokens });
  const r = reads[i];
  const shape = [inspectionBytes.length, r.heads, r.knn];
  tensors[binaryNames.readSlots(layer)] = { shape, data: Float32Array.from(r.slots) };
  tensors[binaryNames.readWeights(layer)] = { shape, data: r.weights };
});

const run: PrecomputedRunJson = {
  format: PRECOMPUTED_FORMAT,
  version: PRECOMPUTED_VERSION,
  config,
  steps: STEPS,
  losses: losses.map((l) => Number(l.toFixed(4))),
  lr,
  gradNorm,
  evals: evals.map((e) => ({ ...e, ms: Math.round(e.ms) })),
  recall: recallHistory.map((p) => ({
    step: p.step,
    accuracy: Number(p.accuracy.toFixed(5)),
    answerLoss: Number(p.answerLoss.toFixed(4)),
  })),
  trace: tagArrays(chosen.trace, 5),
  inspection: { text: inspectionText, tokens: inspectionBytes.length },
  usage: usageMeta,
  made: {
    backend: 'wasm',
    msPerStep: Math.round(trainMs / STEPS),
    corpus: corpus.name,
    script: 'scripts/precompute-snapshot.ts',
  },
};
const traces: PrecomputedTracesJson = {
  format: PRECOMPUTED_FORMAT,
  version: PRECOMPUTED_VERSION,
  text: chosen.text,
  traces: allTraces.map((t) => tagArrays(t, 5)),
};
const appOut = args['app-out']!;
mkdirSync(appOut, { recursive: true });
writeFileSync(join(appOut, 'defaultRun.json'), `${JSON.stringify(run)}\n`);
writeFileSync(join(appOut, 'defaultRun.traces.json'), `${JSON.stringify(traces)}\n`);
writeFileSync(
  join(appOut, 'defaultRun.safetensors'),
  writeSafetensors(tensors, { format: PRECOMPUTED_FORMAT }),
);

writeFileSync(join(appOut, 'defaultRun.checkpoint.safetensors'), checkpoint);
console.log(`checkpoint: ${(checkpoint.byteLength / 2 ** 20).toFixed(2)} MiB`);

writeCapturedFixtures(args['fixtures-out']!, {
  config,
  steps: STEPS,
  losses,
  evals,
  text: chosen.text,
  traces: allTraces,
  defaultPosition: chosen.position,
  inspectionText,
  tensors,
  usage: usageMeta,
});
console.log(
  `wrote ${appOut}/defaultRun.{json,traces.json,safetensors,checkpoint.safetensors} and ${args['fixtures-out']}`,
);
trainer.dispose();
model.dispose();
