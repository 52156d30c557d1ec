import { createRng, type Rng, shuffle } from '../random';

/**
 * The generated "knowledge" corpus: short templated sentences stating facts about many
 * synthetic people (entity → attribute value). Values are random, so the only way to predict
 * them is to memorise every fact: the corpus is built so that memory capacity matters.
 *
 * Every fact appears in training `repeats` times, each time in one of its attribute's templates
 * except one held-out template; the validation text states every fact once, in its held-out
 * template, in a different order. All templates occur in training (for other people), so a low
 * validation loss on the values needs the fact itself, not a memorised sentence.
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
}

export const DEFAULT_KNOWLEDGE: Readonly<KnowledgeOptions> = Object.freeze({
  seed: 2019,
  entities: 400,
  repeats: 8,
});

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

export function generateKnowledgeCorpus(options: Partial<KnowledgeOptions> = {}): KnowledgeCorpus {
  const { seed, entities, repeats } = { ...DEFAULT_KNOWLEDGE, ...options };
  if (!Number.isInteger(entities) || entities < 1 || entities > 100_000) {
    throw new RangeError(`entities must be an integer from 1 to 100000 (got ${entities})`);
  }
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 1000) {
    throw new RangeError(`repeats must be an integer from 1 to 1000 (got ${repeats})`);
  }
  const rng = createRng(seed);
  const people = names(entities, rng);
  const facts: Fact[] = [];
  const trainLines: string[] = [];
  const validationLines: string[] = [];
  const prompts: string[] = [];
  for (const person of people) {
    for (const attribute of ATTRIBUTES) {
      const value = attribute.values[rng.int(attribute.values.length)];
      facts.push({ entity: person, attribute: attribute.name, value });
      const heldOut = rng.int(attribute.templates.length);
      const trainTemplates = attribute.templates.filter((_, i) => i !== heldOut);
      for (let r = 0; r < repeats; r++) {
        trainLines.push(render(trainTemplates[rng.int(trainTemplates.length)], person, value));
      }
      const template = attribute.templates[heldOut];
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
