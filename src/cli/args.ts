/** Command-line parsing with Node's util.parseArgs, turned into one-line UsageErrors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type OptionSpec, type OptionValues, UsageError } from './command';

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export interface ParsedCommandLine {
  values: OptionValues;
  positionals: string[];
  json: boolean;
  help: boolean;
}

function explain(err: unknown, command: string): string {
  const { code, message } = err as { code?: string; message?: string };
  const text = String(message ?? err);
  const option = /'(-[^']*)'/.exec(text)?.[1];
  const see = `(see pkm ${command} --help)`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''} ${see}`.replace(/\s+/g, ' ');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(text)) return `option ${option ?? ''} takes no value ${see}`;
      // "argument missing", or "ambiguous" when the next word starts with '-' (write --x=-1 then).
      return `option ${option?.split(' ')[0] ?? ''} needs a value (write --name=value for one starting with '-') ${see}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /'([^']*)'/.exec(text)?.[1];
      return `unexpected argument '${arg ?? ''}' ${see}`;
    }
    default:
      return text.split('\n')[0];
  }
}

export function parseCommandLine(
  command: string,
  args: string[],
  options: Record<string, OptionSpec>,
  maxPositionals = 0,
): ParsedCommandLine {
  const all = { ...options, ...COMMON_OPTIONS };
  const config: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries(all)) {
    config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let values: OptionValues;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args, options: config, strict: true, allowPositionals: maxPositionals > 0 });
    values = parsed.values as OptionValues;
    positionals = parsed.positionals;
  } catch (err) {
    throw new UsageError(explain(err, command));
  }
  if (positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals[maxPositionals]}' (see pkm ${command} --help)`);
  }
  const help = values.help === true;
  if (!help) {
    for (const [name, spec] of Object.entries(options)) {
      if (spec.required && values[name] === undefined) {
        throw new UsageError(
          `missing --${name} ${spec.value ?? ''} (see pkm ${command} --help)`.replace(/\s+/g, ' '),
        );
      }
    }
  }
  return { values, positionals, json: values.json === true, help };
}

/** An integer option within [min, max], or undefined when absent. */
export function intOption(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** The help text of one command. */
export function commandHelp(
  name: string,
  summary: string,
  usage: string,
  options: Record<string, OptionSpec>,
  details?: string,
): string {
  const rows = Object.entries({ ...options, ...COMMON_OPTIONS }).map(([option, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${option}${spec.value ? ` ${spec.value}` : ''}`;
    return `  ${flag.padEnd(26)} ${spec.description}${spec.required ? ' (required)' : ''}`;
  });
  return [
    `pkm ${name}: ${summary}`,
    '',
    `usage: pkm ${name} ${usage}`,
    '',
    'options:',
    ...rows,
    ...(details ? ['', details] : []),
    '',
  ].join('\n');
}
