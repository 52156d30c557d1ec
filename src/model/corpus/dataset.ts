import type { FactProbe } from '../factRecall';
import { createRng } from '../random';
import { encode } from '../tokenizer';
import { generateKnowledgeCorpus, type KnowledgeOptions } from './knowledge';
import { CorpusError, validateUserText } from './userText';

/** A corpus as byte tokens, already split into training and validation text. */
export interface TextCorpus {
  name: string;
  train: Uint8Array;
  validation: Uint8Array;
  /** Knowledge corpus only: every fact as a recall question in its validation wording. */
  probes?: FactProbe[];
}

/** Fraction of a user's text (its end) held out for validation. */
export const USER_VALIDATION_FRACTION = 0.1;

export function knowledgeTextCorpus(options: Partial<KnowledgeOptions> = {}): TextCorpus {
  const corpus = generateKnowledgeCorpus(options);
  return {
    name: 'knowledge',
    train: encode(corpus.train),
    validation: encode(corpus.validation),
    probes: corpus.facts.map((f, i) => ({
      prompt: corpus.prompts[i],
      answer: f.value,
      entity: f.entity,
      attribute: f.attribute,
    })),
  };
}

/** Validates a user's text (see validateUserText) and holds out its last 10% for validation. */
export function userTextCorpus(bytes: Uint8Array, name = 'the text'): TextCorpus {
  validateUserText(bytes, name);
  const cut = Math.floor(bytes.length * (1 - USER_VALIDATION_FRACTION));
  return { name, train: bytes.subarray(0, cut), validation: bytes.subarray(cut) };
}

/** Token sequences of one fixed shape [batch, length], row-major, length = context + 1. */
export interface TokenBatch {
  tokens: Int32Array;
  batch: number;
  length: number;
}

/** Throws a clear error when `part` cannot hold one sequence of `context + 1` tokens. */
export function checkCorpusFits(corpus: TextCorpus, context: number): void {
  for (const [part, bytes] of [
    ['training', corpus.train],
    ['validation', corpus.validation],
  ] as const) {
    if (bytes.length < context + 1) {
      const total = Math.ceil((context + 1) / USER_VALIDATION_FRACTION);
      throw new CorpusError(
        `${corpus.name} is too short for context ${context}: its ${part} part has ${bytes.length} bytes, ` +
          `at least ${context + 1} are needed (give at least ${total} bytes of text, or lower context)`,
      );
    }
  }
}

export interface BatchSampler {
  next(): TokenBatch;
  /** PRNG state: save it with a checkpoint and set it to resume the same batch sequence. */
  state: number;
}

/** Random windows of `context + 1` tokens from `data`, reproducible from `seed`. */
export function createBatchSampler(
  data: Uint8Array,
  batch: number,
  context: number,
  seed: number,
): BatchSampler {
  const length = context + 1;
  if (data.length < length) {
    throw new CorpusError(`the training text has ${data.length} bytes, fewer than context + 1 = ${length}`);
  }
  const rng = createRng(seed);
  const starts = data.length - length + 1;
  return {
    next() {
      const tokens = new Int32Array(batch * length);
      for (let b = 0; b < batch; b++) {
        const start = rng.int(starts);
        for (let t = 0; t < length; t++) tokens[b * length + t] = data[start + t];
      }
      return { tokens, batch, length };
    },
    get state() {
      return rng.state;
    },
    set state(value: number) {
      rng.state = value;
    },
  };
}

/** Default number of fixed validation batches (16 × batch 16 × context 32 = 8,192 predicted tokens). */
export const DEFAULT_EVAL_BATCHES = 16;

/**
 * The fixed validation set: windows of `context + 1` tokens with stride `context` (each token is
 * predicted at most once), spread evenly over the validation text; the same every call.
 */
export function validationBatches(
  data: Uint8Array,
  batch: number,
  context: number,
  maxBatches = DEFAULT_EVAL_BATCHES,
): TokenBatch[] {
  const length = context + 1;
  if (data.length < length) {
    throw new CorpusError(`the validation text has ${data.length} bytes, fewer than context + 1 = ${length}`);
  }
  const windows = Math.floor((data.length - 1) / context);
  // Fixed shapes: when the text has fewer windows than one batch, windows repeat to fill it.
  const count = Math.max(1, Math.min(maxBatches, Math.floor(windows / batch)));
  const needed = count * batch;
  const batches: TokenBatch[] = [];
  for (let c = 0; c < count; c++) {
    const tokens = new Int32Array(batch * length);
    for (let b = 0; b < batch; b++) {
      const w = c * batch + b;
      const window = windows >= needed ? Math.floor((w * windows) / needed) : w % windows;
      const start = window * context;
      for (let t = 0; t < length; t++) tokens[b * length + t] = data[start + t];
    }
    batches.push({ tokens, batch, length });
  }
  return batches;
}
