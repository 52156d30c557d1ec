import { describe, expect, it } from 'vitest';
import {
  checkCorpusFits,
  createBatchSampler,
  knowledgeTextCorpus,
  userTextCorpus,
  validationBatches,
} from '../../../src/model/corpus/dataset';
import { ATTRIBUTES, generateKnowledgeCorpus } from '../../../src/model/corpus/knowledge';
import { USER_TEXT_MAX_BYTES, validateUserText } from '../../../src/model/corpus/userText';
import { encode } from '../../../src/model/tokenizer';

describe('knowledge corpus', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateKnowledgeCorpus({ seed: 5, entities: 30, repeats: 3 });
    const b = generateKnowledgeCorpus({ seed: 5, entities: 30, repeats: 3 });
    const c = generateKnowledgeCorpus({ seed: 6, entities: 30, repeats: 3 });
    expect(b).toEqual(a);
    expect(c.train).not.toBe(a.train);
  });

  it('states every fact repeats times in training and once, in a held-out template, in validation', () => {
    const corpus = generateKnowledgeCorpus({ seed: 1, entities: 25, repeats: 4 });
    expect(corpus.facts).toHaveLength(25 * ATTRIBUTES.length);
    expect(new Set(corpus.facts.map((f) => f.entity)).size).toBe(25);
    const train = corpus.train.trim().split('\n');
    const validation = corpus.validation.trim().split('\n');
    expect(train).toHaveLength(25 * ATTRIBUTES.length * 4);
    expect(validation).toHaveLength(25 * ATTRIBUTES.length);
    corpus.facts.forEach((fact, i) => {
      const prompt = corpus.prompts[i];
      expect(prompt.startsWith(fact.entity)).toBe(true);
      const sentence = `${prompt}${fact.value}.`;
      expect(validation).toContain(sentence);
      // The held-out wording never appears in training; the fact does, in other wordings.
      expect(train).not.toContain(sentence);
      const attribute = ATTRIBUTES.find((a) => a.name === fact.attribute)!;
      const stated = train.filter((line) =>
        attribute.templates.some((t) => line === t.replace('{n}', fact.entity).replace('{v}', fact.value)),
      );
      expect(stated).toHaveLength(4);
    });
    // Shuffled: not grouped by person.
    expect(train.slice(0, 5).every((line) => line.startsWith(corpus.facts[0].entity))).toBe(false);
  });

  it('rejects impossible sizes', () => {
    expect(() => generateKnowledgeCorpus({ entities: 0 })).toThrow(/entities must be an integer from 1/);
    expect(() => generateKnowledgeCorpus({ repeats: 1.5 })).toThrow(/repeats must be an integer/);
  });
});

describe('user text validation', () => {
  it('accepts UTF-8 text and returns it decoded', () => {
    expect(validateUserText(encode('Hello, wörld!\n\tTabs and\r\nCRLF are fine.'))).toMatch(/^Hello, wörld/);
  });

  it('names each problem in one message', () => {
    expect(() => validateUserText(new Uint8Array(0), 'notes.txt')).toThrow('notes.txt is empty');
    expect(() => validateUserText(new Uint8Array(USER_TEXT_MAX_BYTES + 1).fill(97))).toThrow(
      'the text is too large: 20.0 MB, the limit is 20.0 MB',
    );
    expect(() => validateUserText(Uint8Array.from([104, 105, 0, 33]))).toThrow(
      'looks binary, not text: it contains a NUL byte at offset 2',
    );
    expect(() => validateUserText(Uint8Array.from([104, 105, 0xe9, 33]), 'latin1.txt')).toThrow(
      'latin1.txt is not valid UTF-8: byte 0xe9 at offset 2',
    );
    const control = encode('x'.repeat(50) + '\x01\x02');
    expect(() => validateUserText(control)).toThrow(/looks binary, not text: 3\.8% of its bytes are control/);
  });

  it('rejects overlong forms, surrogates and truncated characters', () => {
    for (const bytes of [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0x61, 0xe2, 0x82],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ]) {
      expect(() => validateUserText(Uint8Array.from(bytes))).toThrow(/not valid UTF-8/);
    }
  });

  it('holds out the last 10% for validation and says when the text is too short', () => {
    const bytes = encode('abcdefghij'.repeat(10));
    const corpus = userTextCorpus(bytes, 'tiny.txt');
    expect(corpus.train.length).toBe(90);
    expect(corpus.validation.length).toBe(10);
    expect(() => checkCorpusFits(corpus, 16)).toThrow(
      'tiny.txt is too short for context 16: its validation part has 10 bytes, at least 17 are needed ' +
        '(give at least 170 bytes of text, or lower context)',
    );
    expect(() => checkCorpusFits(corpus, 8)).not.toThrow();
  });
});

describe('batches', () => {
  const corpus = knowledgeTextCorpus({ seed: 3, entities: 20, repeats: 2 });

  it('samples fixed-shape windows reproducibly and resumes from a saved state', () => {
    const a = createBatchSampler(corpus.train, 4, 16, 9);
    const b = createBatchSampler(corpus.train, 4, 16, 9);
    const first = a.next();
    expect(first.tokens).toHaveLength(4 * 17);
    expect(first).toEqual(b.next());
    const state = a.state;
    const next = a.next();
    const resumed = createBatchSampler(corpus.train, 4, 16, 0);
    resumed.state = state;
    expect(resumed.next()).toEqual(next);
    // Every row is a contiguous window of the text.
    const text = Array.from(corpus.train).join(',');
    for (let r = 0; r < 4; r++)
      expect(text).toContain(Array.from(next.tokens.subarray(r * 17, r * 17 + 17)).join(','));
  });

  it('builds the same validation batches every time, spread over the text', () => {
    const batches = validationBatches(corpus.validation, 4, 16, 3);
    expect(batches).toHaveLength(3);
    expect(validationBatches(corpus.validation, 4, 16, 3)).toEqual(batches);
    const starts = batches.flatMap((b) => [0, 1, 2, 3].map((r) => b.tokens[r * 17]));
    expect(new Set(starts).size).toBeGreaterThan(1);
    // Too little text for one batch: windows repeat to keep the shape.
    const small = validationBatches(encode('0123456789abcdefghijklmnopqrstuvwxyz'), 4, 16);
    expect(small).toHaveLength(1);
    expect(small[0].tokens).toHaveLength(4 * 17);
    expect(() => validationBatches(encode('short'), 4, 16)).toThrow(/fewer than context \+ 1 = 17/);
  });
});
