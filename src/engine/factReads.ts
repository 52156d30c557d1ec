import * as tf from '@tensorflow/tfjs';
import { type FactProbe, scoreAnswer, topByte } from '../model/factRecall';
import { decode, encode, VOCAB_SIZE } from '../model/tokenizer';
import type { PkmModel } from '../model/transformer';
import { EngineError } from './errors';
import type { FactRead, FactReads } from './protocol/reads';
import { yieldToEvents } from './scheduling';

/** Facts a `factReads` without a list asks: enough for a list to browse, cheap to answer. */
export const DEFAULT_FACT_READS = 24;

/**
 * `count` probe indices spread over the people, the attributes turning round, so a short list
 * shows every kind of fact. Probes are person-major (person · attributes + attribute), as the
 * knowledge corpus makes them; `attributes` is how many each person has.
 */
export function spreadFactIndices(probes: number, attributes: number, count = DEFAULT_FACT_READS): number[] {
  const a = Math.max(1, Math.min(attributes, probes));
  const people = Math.floor(probes / a);
  const m = Math.min(count, people * a);
  return Array.from({ length: m }, (_, i) => Math.floor((i * people) / m) * a + (i % a));
}

/** Distinct attributes among the probes (1 when they do not say). */
function attributeCount(probes: readonly FactProbe[]): number {
  return Math.max(1, new Set(probes.map((p) => p.attribute).filter((x) => x !== undefined)).size);
}

interface Asked {
  index: number;
  probe: FactProbe;
  prompt: Uint8Array;
  answer: Uint8Array;
  greedy: number[];
  /** One log-softmax row per answer byte, each predicting the next greedy byte. */
  rows: Float32Array;
  heads: FactRead['heads'];
}

/**
 * Asks facts in their held-out wording and records what the memory read to answer them.
 *
 * Each fact is decoded greedily, one byte per forward, every fact of a group of `batch` as one
 * row of a [batch, context] eval forward (the validation shape: no new shaders). A row is the
 * window of at most `context` bytes ending at the byte that predicts the next one, as `trace`
 * gives it, so the first forward's memory read at the prompt's last byte equals a trace of that
 * byte. While the greedy bytes follow the answer, each log-softmax row is the teacher-forced row
 * the fact-recall metric scores, and the row where they part already fails it, so scoreAnswer over
 * the greedy rows says exactly whether the metric counts the fact as recalled.
 */
export async function readFacts(
  model: PkmModel,
  probes: readonly FactProbe[],
  request: { facts: number[] | null; layer: number | null },
  step: number,
  signal?: AbortSignal,
): Promise<FactReads> {
  if (probes.length === 0) {
    throw new EngineError(
      'corpus',
      'factReads needs the knowledge corpus: the training text is your own, which states no facts to ask',
    );
  }
  const memory = memoryIndex(model, request.layer);
  const indices = request.facts ?? spreadFactIndices(probes.length, attributeCount(probes));
  const bad = indices.find((i) => i >= probes.length);
  if (bad !== undefined) {
    throw new EngineError(
      'bad-command',
      `fact ${bad} does not exist: the corpus has ${probes.length} (0 to ${probes.length - 1})`,
    );
  }
  const asked: Asked[] = indices.map((index) => {
    const answer = encode(probes[index].answer);
    return {
      index,
      probe: probes[index],
      prompt: encode(probes[index].prompt),
      answer,
      greedy: [],
      rows: new Float32Array(answer.length * VOCAB_SIZE),
      heads: [],
    };
  });
  const { batch } = model.config;
  for (let first = 0; first < asked.length; first += batch) {
    if (signal?.aborted) throw new EngineError('cancelled', 'factReads was cancelled');
    await decodeGroup(model, asked.slice(first, first + batch), memory);
    // Lets pause/cancel/status through between groups.
    await yieldToEvents();
  }
  return {
    step,
    layer: memory === null ? null : model.memoryLayers[memory],
    probes: probes.length,
    facts: asked.map((f) => ({
      index: f.index,
      entity: f.probe.entity ?? '',
      attribute: f.probe.attribute ?? '',
      prompt: f.probe.prompt,
      answer: f.probe.answer,
      greedy: f.greedy,
      greedyText: decode(f.greedy),
      recalled: scoreAnswer(f.rows, f.answer).recalled,
      heads: f.heads,
    })),
  };
}

/** Greedy decoding of up to `batch` facts together; the first forward also reads the memory. */
async function decodeGroup(model: PkmModel, group: Asked[], memory: number | null): Promise<void> {
  const { batch, context } = model.config;
  const longest = Math.max(...group.map((f) => f.answer.length));
  for (let s = 0; s < longest; s++) {
    const tokens = new Int32Array(batch * context);
    // The row of each fact that predicts its next byte; padding rows repeat the first fact's.
    const at = new Int32Array(batch);
    group.forEach((f, b) => {
      const seq = Uint8Array.from([...f.prompt, ...f.greedy]);
      const window = seq.subarray(Math.max(0, seq.length - context));
      tokens.set(window, b * context);
      at[b] = b * context + window.length - 1;
    });
    at.fill(at[0], group.length);
    const withReads = s === 0 && memory !== null;
    const picked = tf.tidy(() => {
      const { logits, reads } = model.forward(tf.tensor2d(tokens, [batch, context], 'int32'), 'eval');
      const rows = tf.tensor1d(at, 'int32');
      const logProbs = tf.logSoftmax(tf.gather(logits.reshape([batch * context, VOCAB_SIZE]), rows));
      if (!withReads) return [logProbs];
      return [logProbs, tf.gather(reads[memory].slots, rows), tf.gather(reads[memory].weights, rows)];
    });
    let data: Float32Array[];
    try {
      data = (await Promise.all(picked.map((t) => t.data()))) as Float32Array[];
    } finally {
      tf.dispose(picked);
    }
    group.forEach((f, b) => {
      if (s >= f.answer.length) return;
      const row = data[0].subarray(b * VOCAB_SIZE, (b + 1) * VOCAB_SIZE);
      f.rows.set(row, s * VOCAB_SIZE);
      f.greedy.push(topByte(row));
    });
    if (withReads) {
      const { heads, knn } = model.memories[memory].spec;
      group.forEach((f, b) => {
        for (let h = 0; h < heads; h++) {
          const from = (b * heads + h) * knn;
          f.heads.push({
            slots: Array.from(data[1].subarray(from, from + knn)),
            weights: Array.from(data[2].subarray(from, from + knn)),
          });
        }
      });
    }
  }
}

/** The memory asked for (null: the first), or null for a model without memory. */
function memoryIndex(model: PkmModel, layer: number | null): number | null {
  if (layer === null) return model.memoryLayers.length > 0 ? 0 : null;
  const index = model.memoryLayers.indexOf(layer);
  if (index < 0) {
    throw new EngineError(
      'bad-command',
      `layer ${layer} has no memory: the memory layers are ${model.memoryLayers.join(', ') || 'none'}`,
    );
  }
  return index;
}
