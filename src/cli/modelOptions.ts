/** Options and loading shared by the model commands (train, eval, generate, inspect). */
import type { CorpusInfo, ModelInfo } from '../engine/protocol';
import type { ModelConfig } from '../model/config';
import { type CommandContext, InputError, type OptionSpec, type OptionValues, UsageError } from './command';
import type { CliSession } from './engineSession';

export const MODEL_SOURCE_OPTIONS: Record<string, OptionSpec> = {
  model: {
    type: 'string',
    value: '<file>',
    description: 'a checkpoint written by pkm train --out (or the app)',
  },
  config: {
    type: 'string',
    value: '<file>',
    description: 'a JSON config (fields of the app’s settings; missing ones take the defaults)',
  },
};

export const TEXT_OPTION: Record<string, OptionSpec> = {
  text: {
    type: 'string',
    value: '<file>',
    description: 'your own UTF-8 text instead of the generated knowledge corpus (last 10% validates)',
  },
};

/** The config in a JSON file: an object of config fields (validated by the engine). */
export async function readConfigFile(path: string, context: CommandContext): Promise<Partial<ModelConfig>> {
  const bytes = await context.readFile(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new InputError(`'${path}' is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`'${path}' must hold a JSON object of config fields`);
  }
  return parsed as Partial<ModelConfig>;
}

/**
 * Builds the model the options name: a checkpoint (--model), a fresh model from a config
 * (--config), or, with neither and `allowDefault`, a fresh model with the default config.
 */
export async function loadModel(
  session: CliSession,
  values: OptionValues,
  context: CommandContext,
  allowDefault: boolean,
): Promise<ModelInfo> {
  const model = values.model as string | undefined;
  const config = values.config as string | undefined;
  if (model && config) throw new UsageError('give --model or --config, not both');
  if (model) {
    const bytes = await context.readFile(model);
    context.progress(`loading ${model}`);
    return session.ok({ type: 'loadCheckpoint', bytes });
  }
  if (!config && !allowDefault)
    throw new UsageError('missing --model <file> (a checkpoint from pkm train --out)');
  const fields = config ? await readConfigFile(config, context) : {};
  if (!config) context.progress('no --model or --config: using a fresh model with the default config');
  return session.ok({ type: 'configure', config: fields, skipWarmupSteps: true });
}

/** Switches to the user's text when --text names one. */
export async function switchToTextOption(
  session: CliSession,
  values: OptionValues,
  context: CommandContext,
): Promise<CorpusInfo | null> {
  const path = values.text as string | undefined;
  if (!path) return null;
  const bytes = await context.readFile(path);
  return session.ok({ type: 'setCorpus', corpus: { kind: 'user', bytes, name: path } });
}
