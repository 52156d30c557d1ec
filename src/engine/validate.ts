/**
 * Checks every command at the worker boundary before anything runs: its type, that no unknown
 * argument is given, and each argument's type and range. Messages name the argument.
 */
import { BACKEND_ORDER } from './backend';
import type { CommandType, EngineCommands } from './protocol/commands';

type Check = (value: unknown, name: string) => string | null;

const describe = (value: unknown): string => {
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
};

const int =
  (min: number, max: number): Check =>
  (v, name) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
      ? null
      : `${name} must be an integer from ${min} to ${max} (got ${describe(v)})`;

const num =
  (min: number, max: number): Check =>
  (v, name) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
      ? null
      : `${name} must be a number from ${min} to ${max} (got ${describe(v)})`;

const str =
  (maxLength: number, minLength = 0): Check =>
  (v, name) =>
    typeof v === 'string' && v.length >= minLength && v.length <= maxLength
      ? null
      : `${name} must be a string of ${minLength} to ${maxLength} characters (got ${describe(v)})`;

const bool: Check = (v, name) =>
  typeof v === 'boolean' ? null : `${name} must be true or false (got ${describe(v)})`;

const bytes: Check = (v, name) =>
  v instanceof Uint8Array ? null : `${name} must be a Uint8Array of file bytes (got ${describe(v)})`;

const oneOf =
  (values: readonly string[]): Check =>
  (v, name) =>
    typeof v === 'string' && values.includes(v)
      ? null
      : `${name} must be one of ${values.join(', ')} (got ${describe(v)})`;

const plainObject: Check = (v, name) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
    ? null
    : `${name} must be an object (got ${describe(v)})`;

const arrayOf =
  (item: Check, maxLength: number): Check =>
  (v, name) => {
    if (!Array.isArray(v) || v.length > maxLength)
      return `${name} must be a list of at most ${maxLength} items`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${name}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };

const nullable =
  (check: Check): Check =>
  (v, name) =>
    v === null ? null : check(v, name);

interface Field {
  check: Check;
  required?: boolean;
}
type Fields = Record<string, Field>;
const req = (check: Check): Field => ({ check, required: true });
const opt = (check: Check): Field => ({ check });

function checkFields(value: unknown, fields: Fields, where: string): string | null {
  const problem = plainObject(value, where);
  if (problem) return problem;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(fields, key)) return `${where} has an unknown argument "${key}"`;
  }
  for (const [key, field] of Object.entries(fields)) {
    if (record[key] === undefined) {
      if (field.required) return `${where} needs the argument "${key}"`;
      continue;
    }
    const bad = field.check(record[key], key);
    if (bad) return `${where}: ${bad}`;
  }
  return null;
}

const object =
  (fields: Fields): Check =>
  (v, name) =>
    checkFields(v, fields, name);

const pace: Check = (v, name) => {
  const problem = plainObject(v, name);
  if (problem) return problem;
  const kind = (v as { kind?: unknown }).kind;
  if (kind === 'fast') return checkFields(v, { kind: req(oneOf(['fast'])) }, name);
  if (kind === 'slow') {
    return checkFields(v, { kind: req(oneOf(['slow'])), intervalMs: req(int(50, 60_000)) }, name);
  }
  return `${name}.kind must be "fast" or "slow" (got ${describe(kind)})`;
};

const corpus: Check = (v, name) => {
  const problem = plainObject(v, name);
  if (problem) return problem;
  const kind = (v as { kind?: unknown }).kind;
  if (kind === 'knowledge') return checkFields(v, { kind: req(oneOf(['knowledge'])) }, name);
  if (kind === 'user') {
    return checkFields(v, { kind: req(oneOf(['user'])), bytes: req(bytes), name: req(str(200, 1)) }, name);
  }
  return `${name}.kind must be "knowledge" or "user" (got ${describe(kind)})`;
};

const backendOrAuto = oneOf(['auto', ...BACKEND_ORDER]);
const MAX_TEXT = 100_000;

const selection = object({
  text: req(str(MAX_TEXT, 1)),
  position: req(int(0, 4 * MAX_TEXT)),
  layer: req(nullable(int(0, 23))),
});

/** Argument rules of each command (`type` excluded). */
const COMMANDS: Record<CommandType, Fields> = {
  init: {
    backend: opt(backendOrAuto),
    avoid: opt(arrayOf(oneOf(BACKEND_ORDER), 4)),
    allowDebug: opt(bool),
  },
  configure: { config: req(plainObject), options: opt(plainObject), skipWarmupSteps: opt(bool) },
  reset: { seed: opt(int(0, 2 ** 31 - 1)) },
  setCorpus: { corpus: req(corpus) },
  setOptions: { options: req(plainObject) },
  start: { pace: opt(pace) },
  pause: {},
  step: { count: opt(int(1, 1000)) },
  evaluate: { recall: opt(bool) },
  trace: {
    text: req(str(MAX_TEXT, 1)),
    position: req(int(0, 4 * MAX_TEXT)),
    layer: opt(nullable(int(0, 23))),
  },
  readText: { text: req(str(MAX_TEXT, 1)), layer: opt(nullable(int(0, 23))) },
  factReads: { facts: opt(arrayOf(int(0, 10_000_000), 256)), layer: opt(nullable(int(0, 23))) },
  select: { selection: req(nullable(selection)) },
  generate: {
    id: opt(int(0, Number.MAX_SAFE_INTEGER)),
    prompt: req(str(MAX_TEXT)),
    maxTokens: req(int(1, 4096)),
    temperature: req(num(0, 10)),
    seed: opt(int(0, 2 ** 31 - 1)),
  },
  saveCheckpoint: {},
  loadCheckpoint: { bytes: req(bytes), backend: opt(backendOrAuto) },
  importMemory: {
    memory: req(bytes),
    inputs: req(bytes),
    name: opt(str(200)),
    knn: opt(int(1, 1024)),
    prefix: opt(str(1000)),
    layout: opt(oneOf(['xlm', 'lucidrains', 'lingua'])),
    gates: opt(oneOf(['softmax', 'relu'])),
  },
  cancel: {},
  status: {},
  debug: { action: req(oneOf(['lose-device', 'nan-next-step', 'fail-next-step', 'crash', 'exit'])) },
};

export const COMMAND_TYPES = Object.keys(COMMANDS) as CommandType[];

/** Null when `command` is a well-formed command, else one sentence naming the problem. */
export function validateCommand(command: unknown): string | null {
  if (typeof command !== 'object' || command === null || Array.isArray(command)) {
    return `a command must be an object with a "type" (got ${describe(command)})`;
  }
  const { type, ...args } = command as { type?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(COMMANDS, type)) {
    return `unknown command type ${describe(type)}: expected one of ${COMMAND_TYPES.join(', ')}`;
  }
  return checkFields(args, COMMANDS[type as CommandType], `command "${type}"`);
}

/** Narrows a checked command. */
export type ArgsOf<K extends CommandType> = EngineCommands[K]['args'];
