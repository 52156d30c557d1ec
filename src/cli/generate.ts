/** `pkm generate`: text sampled from a checkpoint. */
import { intOption } from './args';
import { type CliCommand, UsageError } from './command';
import { openCliSession } from './engineSession';
import { loadModel, MODEL_SOURCE_OPTIONS } from './modelOptions';

export const generateCommand: CliCommand = {
  usage: '--model <file> [--prompt <text>] [--tokens <n>] [--temperature <t>] [--seed <n>] [--json]',
  options: {
    model: { ...MODEL_SOURCE_OPTIONS.model, required: true },
    prompt: { type: 'string', value: '<text>', description: 'text to continue (default: a new line)' },
    tokens: { type: 'string', value: '<n>', description: 'bytes to generate, 1 to 4096 (default 200)' },
    temperature: { type: 'string', value: '<t>', description: '0 = greedy, up to 10 (default 0.8)' },
    seed: { type: 'string', value: '<n>', description: 'seed of the sampler (default 1)' },
  },
  async run(values, context) {
    const maxTokens = intOption(values, 'tokens', 1, 4096) ?? 200;
    const seed = intOption(values, 'seed', 0, 2 ** 31 - 1) ?? 1;
    const rawTemperature = values.temperature === undefined ? '0.8' : String(values.temperature);
    const temperature = Number(rawTemperature);
    if (
      rawTemperature.trim() === '' ||
      !Number.isFinite(temperature) ||
      temperature < 0 ||
      temperature > 10
    ) {
      throw new UsageError(`--temperature must be a number from 0 to 10 (got '${rawTemperature}')`);
    }
    const prompt = (values.prompt as string | undefined) ?? '';
    const session = await openCliSession(context.progress);
    try {
      await loadModel(session, values, context, false);
      const result = await session.ok({ type: 'generate', prompt, maxTokens, temperature, seed });
      return {
        json: { prompt, text: result.text, tokens: result.tokens.length, temperature, seed, ms: result.ms },
        text: prompt + result.text,
      };
    } finally {
      await session.close();
    }
  },
};
