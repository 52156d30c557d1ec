import type { Scale, ScaleName } from './types';

/**
 * The full preset is what the committed results use (the step budget is each experiment's own);
 * quick trains a tiny model for a few steps on a small knowledge corpus, to check the machinery.
 */
export function scalePreset(name: ScaleName, fullSteps: number): Scale {
  if (name === 'full') {
    return {
      steps: fullSteps,
      evalEvery: 250,
      lossEvery: 25,
      curveBatches: 16,
      metricBatches: 64,
      recallProbes: 2000,
      inferenceRounds: 20,
      inferenceBatch: 64,
      model: {},
      knowledge: {},
    };
  }
  return {
    steps: 120,
    evalEvery: 40,
    lossEvery: 10,
    curveBatches: 2,
    metricBatches: 4,
    recallProbes: 40,
    inferenceRounds: 3,
    inferenceBatch: 8,
    model: { d_model: 32, attn_heads: 2, context: 16, ffn_mult: 2, batch: 8, warmup: 10 },
    knowledge: { entities: 40, repeats: 4 },
  };
}
