export { createMemory, type MemoryOptions, type PkmMemoryModule } from './createMemory';
export type { AdamSettings, RowUpdaterKind } from './sparse/adam';
export { DEFAULT_ADAM } from './sparse/adam';
export { checkMemorySpec, MAX_TABLE_ELEMENTS, memorySpecFromConfig, slotCount } from './spec';
export type * from './types';
export { type ValueOptimizerState, ValuePool, type ValuePoolOptions } from './valuePool';
export { checkMemoryWeights, initMemoryWeights, weightShapes } from './weights';
