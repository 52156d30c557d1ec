import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, it } from 'vitest';
import { checkFusedAgainstReference } from './denseAdamCheck';
import { checkValueUpdateMask } from './valueMaskCheck';

describe('fused dense Adam against the tfjs-op reference', () => {
  // The JS loop rounds to float32 after every operation in the reference's order: bit for bit.
  it.each(['cpu', 'wasm'])(
    'on %s: same variables and moments, clipped, unclipped and skipped steps',
    async (backend) => {
      await tf.setBackend(backend);
      await tf.ready();
      await checkFusedAgainstReference(backend, 0);
    },
  );
});

describe('memory value update under the device-side apply flag', () => {
  it.each([
    ['cpu', 'cpu', 'auto'],
    ['wasm', 'wasm', 'auto'],
    ['wasm', 'generic', 'generic'],
  ] as const)(
    'on %s (%s writer): a skipped step writes no row, moment or running statistic',
    async (backend, kind, choice) => {
      await tf.setBackend(backend);
      await tf.ready();
      await checkValueUpdateMask(kind, choice);
    },
  );
});
