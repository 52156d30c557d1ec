import { describe, it } from 'vitest';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { checkFusedAgainstReference } from './denseAdamCheck';
import { checkValueUpdateMask } from './valueMaskCheck';

runOnNodeWebgpu();

describe('fused dense Adam on WebGPU (Dawn in Node)', () => {
  // The shader may contract a·b + c into one fused multiply-add: float32 tolerance, not bits.
  // A skipped step is still checked bit for bit.
  it('matches the tfjs-op reference with clipped, unclipped and skipped steps', async () => {
    await checkFusedAgainstReference('webgpu', 2e-6);
  });

  it('the in-place value update writes nothing for a skipped step (the flag is read by the shader)', async () => {
    await checkValueUpdateMask('webgpu');
  });
});
