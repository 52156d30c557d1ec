import type { ExperimentDefinition, ExperimentName } from '../types';
import { capacity } from './capacity';
import { depthVsMemory } from './depthVsMemory';
import { headsByK } from './headsByK';
import { memorySize } from './memorySize';
import { position } from './position';
import { productVsFlat } from './productVsFlat';
import { queryNorm } from './queryNorm';

/** Every experiment, in the order of the README's Results section. */
export const EXPERIMENTS: Readonly<Record<ExperimentName, ExperimentDefinition>> = {
  'depth-vs-memory': depthVsMemory,
  'query-norm': queryNorm,
  'product-vs-flat': productVsFlat,
  'heads-x-k': headsByK,
  position,
  'memory-size': memorySize,
  capacity,
};

export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS) as ExperimentName[];

export function isExperimentName(name: string): name is ExperimentName {
  return Object.hasOwn(EXPERIMENTS, name);
}

/** The definition of `name`; an unknown name is an error that lists the known ones. */
export function getExperiment(name: string): ExperimentDefinition {
  if (!isExperimentName(name)) {
    throw new Error(`unknown experiment '${name}' (experiments: ${EXPERIMENT_NAMES.join(', ')})`);
  }
  return EXPERIMENTS[name];
}
