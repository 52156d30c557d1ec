import { describe, expect, it } from 'vitest';
import {
  checkCorpusFits,
  createBatchSampler,
  knowledgeTextCorpus,
  userTextCorpus,
  validationBatches,
} from '../../../src/model/corpus/dataset';
import {
  ATTRIBUTES,
  attributeTemplates,
  DEFAULT_KNOWLEDGE,
  generateKnowledgeCorpus,
  MAX_TEMPLATES,
  trainingLines,
} from '../../../src/model/corpus/knowledge';
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
        attributeTemplates(attribute, DEFAULT_KNOWLEDGE.templates).some(
          (t) => line === t.replace('{n}', fact.entity).replace('{v}', fact.value),
        ),
      );
      expect(stated).toHaveLength(4);
    });
    // Shuffled: not grouped by person.
    expect(train.slice(0, 5).every((line) => line.startsWith(corpus.facts[0].entity))).toBe(false);
  });

  it('rejects impossible sizes', () => {
    expect(() => generateKnowledgeCorpus({ entities: 0 })).toThrow(/entities must be an integer from 1/);
    expect(() => generateKnowledgeCorpus({ repeats: 1.5 })).toThrow(/repeats must be an integer/);
    expect(() => generateKnowledgeCorpus({ attributes: 6 })).toThrow(
      /attributes must be an integer from 1 to 5/,
    );
    expect(() => generateKnowledgeCorpus({ templates: MAX_TEMPLATES + 1 })).toThrow(/templates must be/);
    expect(() => generateKnowledgeCorpus({ templates: 3, heldOut: 3 })).toThrow(
      /heldOut must be an integer from 1 to 2/,
    );
    expect(() => generateKnowledgeCorpus({ heldOut: 0 })).toThrow(/heldOut must be/);
  });

  it('makes the default corpus (the one the precomputed run was trained on) byte for byte', () => {
    const corpus = generateKnowledgeCorpus();
    expect(generateKnowledgeCorpus({ ...DEFAULT_KNOWLEDGE })).toEqual(corpus);
    expect(corpus.facts).toHaveLength(300);
    expect(corpus.train.trim().split('\n')).toHaveLength(300 * 40);
    expect(corpus.train.length).toBe(313_913);
    expect(corpus.validation.length).toBe(7_827);
    expect(corpus.train.slice(0, 60)).toBe("Dunol Hinos works as a sailor.\nFomi Rovo's lucky number is 8");
  });

  it('makes the corpora of 3 wordings and 1 held out as before those options existed', () => {
    // The committed experiments before the task changed trained on this one (400 people, 8 repeats).
    const corpus = generateKnowledgeCorpus({ entities: 400, repeats: 8, templates: 3, heldOut: 1 });
    expect(corpus.train.length).toBe(413_213);
    expect(corpus.validation.length).toBe(51_578);
    expect(corpus.train.slice(0, 60)).toBe("Paton Veto likes blue.\nRujar Teju's pet is a mole.\nLovas Noj");
  });

  it('is deterministic from its seed with the size options, and they set the size', () => {
    const options = { seed: 9, entities: 12, repeats: 5, attributes: 3, templates: 6, heldOut: 2 };
    const a = generateKnowledgeCorpus(options);
    expect(generateKnowledgeCorpus(options)).toEqual(a);
    expect(generateKnowledgeCorpus({ ...options, seed: 10 }).train).not.toBe(a.train);
    expect(generateKnowledgeCorpus({ ...options, templates: 5 }).train).not.toBe(a.train);
    expect(a.facts).toHaveLength(12 * 3);
    expect(new Set(a.facts.map((f) => f.attribute))).toEqual(
      new Set(ATTRIBUTES.slice(0, 3).map((x) => x.name)),
    );
    expect(a.train.trim().split('\n')).toHaveLength(trainingLines(options));
    expect(a.validation.trim().split('\n')).toHaveLength(12 * 3);
  });

  it('never states a fact in training in any of its held-out wordings, and uses every other one', () => {
    const options = { seed: 4, entities: 40, repeats: 30, templates: 6, heldOut: 2 };
    const corpus = generateKnowledgeCorpus(options);
    const train = corpus.train.trim().split('\n');
    const trainSet = new Set(train);
    corpus.facts.forEach((fact, i) => {
      const attribute = ATTRIBUTES.find((a) => a.name === fact.attribute)!;
      const wordings = attributeTemplates(attribute, 6).map((t) =>
        t.replace('{n}', fact.entity).replace('{v}', fact.value),
      );
      const stated = wordings.filter((w) => trainSet.has(w));
      // 2 held out of 6; with 30 repeats over 4 wordings every one of them occurs (p ≈ 4·0.75³⁰).
      expect(stated).toHaveLength(4);
      // The probe's prompt starts no training line: not even the words before the value were seen.
      expect(train.some((line) => line.startsWith(corpus.prompts[i]))).toBe(false);
      expect(wordings).toContain(`${corpus.prompts[i]}${fact.value}.`);
    });
    // Every wording of an attribute occurs in training for some people: the held-out ones are new
    // only for the fact asked, so recall tests the fact and not an unseen sentence shape.
    for (const attribute of ATTRIBUTES) {
      for (const t of attributeTemplates(attribute, 6)) {
        const shape = new RegExp(
          `^${t
            .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
            .replace('{n}', '[A-Z][a-z]+ [A-Z][a-z]+')
            .replace('{v}', '[A-Za-z0-9]+')}$`,
        );
        expect(train.some((line) => shape.test(line))).toBe(true);
      }
    }
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
