/**
 * Reading experiment results back: `parseExperimentResult` checks any JSON (a committed file, a
 * file a user drops in, a worker's message); `loadCommittedResult` imports the committed full
 * results from experiments/results/ (one lazily loaded chunk per experiment in the app).
 */
import { EXPERIMENT_NAMES, isExperimentName } from './definitions';
import { type ExperimentResult, RESULT_SCHEMA_VERSION } from './types';

export class ResultFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultFormatError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function need(condition: boolean, source: string, what: string): asserts condition {
  if (!condition) throw new ResultFormatError(`${source} is not an experiment result: ${what}`);
}

/**
 * Checks the structure the Results page relies on (schema version, experiment name, arms with
 * configs, runs and summaries, claims) and returns the value typed. Throws ResultFormatError
 * naming the first problem.
 */
export function parseExperimentResult(json: unknown, source = 'the file'): ExperimentResult {
  need(isObject(json), source, 'it is not a JSON object');
  need(
    json.schema === RESULT_SCHEMA_VERSION,
    source,
    `schema ${JSON.stringify(json.schema)} is not ${RESULT_SCHEMA_VERSION}`,
  );
  need(
    typeof json.experiment === 'string' && isExperimentName(json.experiment),
    source,
    `experiment ${JSON.stringify(json.experiment)} is not one of ${EXPERIMENT_NAMES.join(', ')}`,
  );
  need(Array.isArray(json.arms) && json.arms.length > 0, source, 'it has no arms');
  for (const [i, arm] of (json.arms as unknown[]).entries()) {
    const where = `arm ${i + 1}`;
    need(isObject(arm) && typeof arm.label === 'string', source, `${where} has no label`);
    need(isObject(arm.config), source, `${where} has no config`);
    need(
      arm.knowledge === undefined || (isObject(arm.knowledge) && typeof arm.knowledge.entities === 'number'),
      source,
      `${where} has a knowledge corpus without its size`,
    );
    need(Array.isArray(arm.runs) && arm.runs.length > 0, source, `${where} has no runs`);
    need(
      isObject(arm.summary) && typeof arm.summary.loss === 'number',
      source,
      `${where} has no summary loss`,
    );
    for (const run of arm.runs as unknown[]) {
      need(
        isObject(run) && Array.isArray(run.validationCurve) && isObject(run.final),
        source,
        `${where} has a run without curves or final metrics`,
      );
    }
  }
  need(Array.isArray(json.claims), source, 'it has no claims list');
  for (const claim of json.claims as unknown[]) {
    need(
      isObject(claim) &&
        typeof claim.statement === 'string' &&
        (claim.agrees === null || typeof claim.agrees === 'boolean'),
      source,
      'a claim lacks its statement or verdict',
    );
  }
  need(isObject(json.environment) && isObject(json.scale), source, 'it lacks environment or scale');
  return json as unknown as ExperimentResult;
}
