import { describe, it } from 'vitest';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { checkSharedValueSteps } from './sharedValueCheck';

runOnNodeWebgpu();

describe('mem_share_values on WebGPU (Dawn in Node)', () => {
  it('a training step sums both layers’ row gradients per slot and applies ONE sparse Adam step', async () => {
    await checkSharedValueSteps('webgpu');
  }, 120_000);
});
