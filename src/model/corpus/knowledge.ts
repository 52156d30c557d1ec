import { createRng, type Rng, shuffle } from '../random';

/**
 * The generated "knowledge" corpus: short templated sentences stating facts about many
 * synthetic people (entity → attribute value). Values are random, so the only way to predict
 * them is to memorise every fact: the corpus is built so that memory capacity matters.
 *
 * Every fact appears in training `repeats` times, each time in one of its attribute's templates
 * except its held-out ones; the validation text states every fact once, in its (first) held-out
 * template, in a different order. All templates occur in training (for other people), so a low
 * validation loss on the values needs the fact itself, not a memorised sentence.
 *
 * The size of the task is explicit (people, attributes, templates, held-out templates, repeats);
 * the defaults are the app's corpus. Options left at 3 templates and 1 held out draw nothing
 * extra from the seed, so corpora made before the options existed are still made byte for byte.
 */

export interface Attribute {
  name: string;
  values: readonly string[];
  /** `{n}` is the person's name, `{v}` the value; the name comes first so the value is predictable. */
  templates: readonly string[];
}

export const ATTRIBUTES: readonly Attribute[] = [
  {
    name: 'city',
    values: [
      'Oslo',
      'Lima',
      'Kyiv',
      'Rome',
      'Cairo',
      'Quito',
      'Perth',
      'Dakar',
      'Hanoi',
      'Riga',
      'Bern',
      'Doha',
      'Baku',
      'Suva',
      'Apia',
      'Nice',
    ],
    templates: ['{n} lives in {v}.', '{n} is from {v}.', "{n}'s home is {v}."],
  },
  {
    name: 'colour',
    values: [
      'red',
      'blue',
      'green',
      'amber',
      'violet',
      'teal',
      'pink',
      'grey',
      'ochre',
      'cyan',
      'lilac',
      'olive',
      'navy',
      'gold',
      'coral',
      'mint',
    ],
    templates: ['{n} likes {v}.', "{n}'s colour is {v}.", '{n} wears {v}.'],
  },
  {
    name: 'number',
    values: Array.from({ length: 90 }, (_, i) => String(i + 10)),
    templates: ["{n}'s number is {v}.", '{n} picked {v}.', '{n} counts to {v}.'],
  },
  {
    name: 'job',
    values: [
      'baker',
      'pilot',
      'nurse',
      'judge',
      'miner',
      'poet',
      'tailor',
      'diver',
      'chef',
      'clerk',
      'smith',
      'guard',
      'farmer',
      'monk',
      'sailor',
      'potter',
    ],
    templates: ['{n} is a {v}.', '{n} works as a {v}.', "{n}'s job is {v}."],
  },
  {
    name: 'pet',
    values: [
      'cat',
      'dog',
      'fox',
      'hen',
      'yak',
      'bat',
      'frog',
      'goat',
      'crab',
      'mole',
      'newt',
      'wren',
      'toad',
      'lynx',
      'pig',
      'rat',
    ],
    templates: ['{n} has a {v}.', '{n} keeps a {v}.', "{n}'s pet is a {v}."],
  },
];

/**
 * More wordings per attribute, used only when `templates` > 3 (kept apart so the default
 * corpus, which uses the first three, is unchanged). Each starts with the name and never shares
 * its words before the value with another attribute's templates, so the attribute is known
 * before the value is asked.
 */
export const EXTRA_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  city: ['{n} moved to {v}.', '{n} was born in {v}.', '{n} stays in {v}.'],
  colour: ['{n} loves {v}.', "{n}'s car is {v}.", '{n} paints in {v}.'],
  number: ["{n}'s lucky number is {v}.", '{n} turned {v}.', '{n} chose {v}.'],
  job: ['{n} trained as a {v}.', '{n} became a {v}.', "{n}'s trade is {v}."],
  pet: ['{n} owns a {v}.', '{n} feeds a {v}.', '{n} walks a {v}.'],
};

/** Wordings available per attribute (the three base templates and the extra ones). */
export const MAX_TEMPLATES = 6;

/** The first `count` templates of an attribute. */
export function attributeTemplates(attribute: Attribute, count: number): string[] {
  return [...attribute.templates, ...(EXTRA_TEMPLATES[attribute.name] ?? [])].slice(0, count);
}

export interface Fact {
  entity: string;
  attribute: string;
  value: string;
}

export interface KnowledgeOptions {
  /** Seeds names, values, template choices and order. */
  seed: number;
  /** Number of people; each has one value per attribute. */
  entities: number;
  /** Times each fact is stated in the training text. */
  repeats: number;
  /** The first this many of ATTRIBUTES (1 to 5): facts = entities × attributes. */
  attributes: number;
  /** Wordings per attribute (2 to MAX_TEMPLATES), held-out ones included. */
  templates: number;
  /** Per fact, this many of its attribute's wordings never state it in training (≥ 1, < templates). */
  heldOut: number;
}

/**
 * The app's task: 300 facts (60 people × 5 attributes), each stated 40 times in five of its six
 * wordings, asked in the sixth. Sized so that a default run on wasm (2,500 steps of 16 × 32 bytes,
 * ≈ 4 passes over 314 KB) lets the memory model recall most facts while the same model without
 * memory recalls few (see the capacity experiment, whose middle arm this is). The earlier
 * default, 400 people stated 8 times in 3 wordings, was seen ~12 times per fact at browser step
 * budgets and stayed at chance recall.
 */
export const DEFAULT_KNOWLEDGE: Readonly<KnowledgeOptions> = Object.freeze({
  seed: 2019,
  entities: 60,
  repeats: 40,
  attributes: ATTRIBUTES.length,
  templates: 6,
  heldOut: 1,
});

/** Training lines of a corpus (one fact stated once per line, ~22 bytes each). */
export function trainingLines(
  options: Pick<KnowledgeOptions, 'entities' | 'attributes' | 'repeats'>,
): number {
  return options.entities * options.attributes * options.repeats;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
}

/** The complete options, validated (a RangeError names the first bad field). */
export function resolveKnowledge(options: Partial<KnowledgeOptions> = {}): KnowledgeOptions {
  const o = { ...DEFAULT_KNOWLEDGE, ...options };
  checkInt('entities', o.entities, 1, 100_000);
  checkInt('repeats', o.repeats, 1, 1000);
  checkInt('attributes', o.attributes, 1, ATTRIBUTES.length);
  checkInt('templates', o.templates, 2, MAX_TEMPLATES);
  checkInt('heldOut', o.heldOut, 1, o.templates - 1);
  return o;
}

export interface KnowledgeCorpus {
  train: string;
  validation: string;
  facts: Fact[];
  /** Each fact's held-out template, rendered up to (not including) the value: a recall prompt. */
  prompts: string[];
}

const ONSETS = ['b', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'j'];
const VOWELS = ['a', 'e', 'i', 'o', 'u'];
const CODAS = ['', '', 'n', 'r', 'l', 's'];

function syllable(rng: Rng): string {
  return ONSETS[rng.int(ONSETS.length)] + VOWELS[rng.int(VOWELS.length)];
}

function word(rng: Rng, syllables: number): string {
  let w = '';
  for (let i = 0; i < syllables; i++) w += syllable(rng);
  w += CODAS[rng.int(CODAS.length)];
  return w[0].toUpperCase() + w.slice(1);
}

/**
 * `count` distinct two-part names, e.g. "Kavo Ridel". Given the first name, the surname is
 * (almost always) determined: knowing the people is itself memorisation the corpus rewards.
 */
function names(count: number, rng: Rng): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const name = `${word(rng, 2)} ${word(rng, 2)}`;
    if (!seen.has(name)) {
      seen.add(name);
      out.push(name);
    }
  }
  return out;
}

function render(template: string, name: string, value: string): string {
  return template.replace('{n}', name).replace('{v}', value);
}

/**
 * `count` distinct indices below `n`. The first is drawn exactly as the corpus always drew its
 * one held-out template, so heldOut = 1 keeps corpora made before the option existed unchanged.
 */
function distinct(rng: Rng, n: number, count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const i = rng.int(n);
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

export function generateKnowledgeCorpus(options: Partial<KnowledgeOptions> = {}): KnowledgeCorpus {
  const { seed, entities, repeats, attributes, templates, heldOut } = resolveKnowledge(options);
  const rng = createRng(seed);
  const people = names(entities, rng);
  const used = ATTRIBUTES.slice(0, attributes).map((a) => ({
    ...a,
    wordings: attributeTemplates(a, templates),
  }));
  const facts: Fact[] = [];
  const trainLines: string[] = [];
  const validationLines: string[] = [];
  const prompts: string[] = [];
  for (const person of people) {
    for (const attribute of used) {
      const value = attribute.values[rng.int(attribute.values.length)];
      facts.push({ entity: person, attribute: attribute.name, value });
      const held = distinct(rng, attribute.wordings.length, heldOut);
      const trainTemplates = attribute.wordings.filter((_, i) => !held.includes(i));
      for (let r = 0; r < repeats; r++) {
        trainLines.push(render(trainTemplates[rng.int(trainTemplates.length)], person, value));
      }
      const template = attribute.wordings[held[0]];
      validationLines.push(render(template, person, value));
      prompts.push(template.slice(0, template.indexOf('{v}')).replace('{n}', person));
    }
  }
  shuffle(trainLines, rng);
  shuffle(validationLines, rng);
  return {
    train: `${trainLines.join('\n')}\n`,
    validation: `${validationLines.join('\n')}\n`,
    facts,
    prompts,
  };
}
