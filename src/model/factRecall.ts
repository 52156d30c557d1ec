import * as tf from '@tensorflow/tfjs';
import { ATTRIBUTES } from './corpus/knowledge';
import { encode, VOCAB_SIZE } from './tokenizer';
import type { PkmModel } from './transformer';

/** A question about one memorised fact: the model should continue `prompt` with `answer`. */
export interface FactProbe {
  prompt: string;
  answer: string;
  /** Who and what the fact is about, where the probe comes from the knowledge corpus (for display). */
  entity?: string;
  attribute?: string;
}

/** Greedy fact recall of a uniform guess among each attribute's values (one fact per attribute). */
export const CHANCE_FACT_RECALL =
  ATTRIBUTES.reduce((sum, a) => sum + 1 / a.values.length, 0) / ATTRIBUTES.length;

export interface RecallResult {
  /** Fraction of probes whose every answer byte is the model's top prediction (teacher-forced). */
  accuracy: number;
  /** Mean cross-entropy over the answer bytes only, nats per byte. */
  answerLoss: number;
  probes: number;
}

/** The top byte of a row of scores, ties going to the lowest (argmax): a greedy model's next byte. */
export function topByte(row: ArrayLike<number>): number {
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  return best;
}

/**
 * One answer, teacher-forced: `logProbs` holds one row of VOCAB_SIZE log-probabilities per answer
 * byte (row i predicts `answer[i]`). Recalled when every byte is the top prediction, ties going
 * to the lowest byte as in argmax (so a model whose rows are all equal predicts byte 0 and
 * recalls nothing, rather than everything). `loss` is the summed cross-entropy, nats.
 */
export function scoreAnswer(
  logProbs: Float32Array,
  answer: ArrayLike<number>,
): { recalled: boolean; loss: number } {
  if (logProbs.length !== answer.length * VOCAB_SIZE) {
    throw new Error(
      `scoreAnswer needs ${answer.length} rows of ${VOCAB_SIZE} (got ${logProbs.length} values)`,
    );
  }
  let recalled = true;
  let loss = 0;
  for (let i = 0; i < answer.length; i++) {
    const row = logProbs.subarray(i * VOCAB_SIZE, (i + 1) * VOCAB_SIZE);
    const target = answer[i];
    loss -= row[target];
    if (recalled && topByte(row) !== target) recalled = false;
  }
  return { recalled, loss };
}

/**
 * How well the model knows the facts: the loss and greedy accuracy on the answer bytes only (the
 * validation loss also counts names and template words, which dilute the effect of memory).
 * Each probe is one row of a fixed [batch, context] input (eval mode); a probe longer than the
 * context keeps its last context + 1 bytes.
 */
export async function factRecall(
  model: PkmModel,
  probes: FactProbe[],
  batch = model.config.batch,
): Promise<RecallResult> {
  if (probes.length === 0) throw new Error('factRecall needs at least one probe');
  const context = model.config.context;
  let correct = 0;
  let lossSum = 0;
  let answerBytes = 0;
  for (let start = 0; start < probes.length; start += batch) {
    const group = probes.slice(start, start + batch);
    const rows = group.map((p) => {
      const promptBytes = encode(p.prompt);
      const answer = encode(p.answer);
      if (answer.length === 0 || answer.length > context) {
        throw new Error(`a fact's answer must have 1 to ${context} bytes (got "${p.answer}")`);
      }
      const all = new Uint8Array(promptBytes.length + answer.length);
      all.set(promptBytes);
      all.set(answer, promptBytes.length);
      const seq = all.subarray(Math.max(0, all.length - (context + 1)));
      return { seq, answerLength: answer.length };
    });
    const input = new Int32Array(batch * context);
    rows.forEach((r, b) => {
      for (let t = 0; t < Math.min(context, r.seq.length - 1); t++) input[b * context + t] = r.seq[t];
    });
    const logProbs = tf.tidy(() => {
      const { logits } = model.forward(tf.tensor2d(input, [batch, context], 'int32'), 'eval');
      return tf.logSoftmax(logits);
    });
    const values = (await logProbs.data()) as Float32Array;
    logProbs.dispose();
    rows.forEach((r, b) => {
      // Answer byte i is predicted at position (first answer index - 1 + i).
      const first = r.seq.length - r.answerLength;
      const offset = (b * context + first - 1) * VOCAB_SIZE;
      const scored = scoreAnswer(
        values.subarray(offset, offset + r.answerLength * VOCAB_SIZE),
        r.seq.subarray(first),
      );
      lossSum += scored.loss;
      answerBytes += r.answerLength;
      if (scored.recalled) correct++;
    });
  }
  return { accuracy: correct / probes.length, answerLoss: lossSum / answerBytes, probes: probes.length };
}
