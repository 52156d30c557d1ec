import {
  CONFIG_FIELDS,
  type ConfigError,
  DEFAULT_CONFIG,
  FIELD_SPECS,
  type ModelConfig,
  validateConfig,
} from '../model/config';

/**
 * The config in the URL hash as `key=value` pairs joined by `&`, so that a link reproduces an
 * experiment. Reading is forgiving: a bad value is reported and replaced by its default.
 */

export interface HashReading {
  config: ModelConfig;
  /** One readable sentence per value that was ignored or replaced. */
  problems: string[];
  /** Pairs that are not config fields but were listed as app keys (e.g. the page). */
  extras: Record<string, string>;
}

function parseValue(field: keyof ModelConfig, raw: string): unknown {
  const spec = FIELD_SPECS[field];
  switch (spec.kind) {
    case 'int':
    case 'number':
      return raw.trim() === '' ? Number.NaN : Number(raw);
    case 'bool':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'int-list':
      return raw
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s));
    case 'choice':
      return raw;
  }
}

function formatValue(value: ModelConfig[keyof ModelConfig]): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Unknown keys named one by one in the problems; the rest are counted. */
const UNKNOWN_SHOWN = 5;
/** Longest key or value quoted back to the user, and longest value read at all (no setting needs more). */
const ECHO_CHARS = 40;
const MAX_VALUE_CHARS = 200;

function quoted(text: string): string {
  const shown = text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS - 1)}…` : text;
  return `"${shown.replace(/[\s"]+/g, ' ')}"`;
}

export function configFromHash(
  hash: string,
  appKeys: readonly string[] = [],
  base: Readonly<ModelConfig> = DEFAULT_CONFIG,
): HashReading {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems: string[] = [];
  const extras: Record<string, string> = {};
  const input: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, raw] of params) {
    if (appKeys.includes(key)) extras[key] = raw.slice(0, MAX_VALUE_CHARS);
    else if (!Object.hasOwn(FIELD_SPECS, key)) unknown.push(key);
    else if (raw.length > MAX_VALUE_CHARS) {
      // A value no setting needs: refused without echoing it (it could be megabytes).
      problems.push(
        `The value of ${key} in the link is ${raw.length.toLocaleString('en')} characters long and was ignored.`,
      );
    } else input[key] = parseValue(key as keyof ModelConfig, raw);
  }
  if (unknown.length === 1) problems.push(`Unknown setting ${quoted(unknown[0])} in the link was ignored.`);
  else if (unknown.length > 1) {
    const named = unknown.slice(0, UNKNOWN_SHOWN).map(quoted).join(', ');
    const rest = unknown.length - UNKNOWN_SHOWN;
    problems.push(
      `${unknown.length.toLocaleString('en')} unknown settings in the link were ignored: ${named}${rest > 0 ? ` and ${rest.toLocaleString('en')} more` : ''}.`,
    );
  }
  // Drop each bad field (reported with the rule it broke) until what is left is consistent.
  for (let attempt = 0; attempt <= CONFIG_FIELDS.length; attempt++) {
    const result = validateConfig(input, base);
    if (result.ok) return { config: result.config, problems, extras };
    const culprits: ConfigError[] = result.errors.filter((e) => e.field in input);
    for (const error of culprits) {
      problems.push(`${error.message}; using the default ${formatValue(base[error.field])}.`);
      delete input[error.field];
    }
    if (culprits.length > 0) continue;
    // The field at fault already holds its default: drop the linked values that clash with it.
    const linked = result.errors.flatMap((e) => (e.related ?? []).filter((f) => f in input));
    if (linked.length === 0) break;
    for (const field of new Set(linked)) {
      problems.push(
        `${field}=${formatValue(input[field] as ModelConfig[typeof field])} does not fit the other settings; using the default ${formatValue(base[field])}.`,
      );
      delete input[field];
    }
  }
  problems.push('The settings in the link do not fit together; using the defaults.');
  return { config: { ...base, mem_layers: [...base.mem_layers] }, problems, extras };
}

/** Every field, in a stable order, so a link pins the whole experiment. */
export function configToHash(config: ModelConfig, extras: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(extras)) params.set(key, value);
  for (const field of CONFIG_FIELDS) params.set(field, formatValue(config[field]));
  return `#${params.toString().replaceAll('%2C', ',')}`;
}
