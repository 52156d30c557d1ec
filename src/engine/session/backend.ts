/**
 * The session's backend: choosing one at init (passing over those that failed earlier), switching
 * when a config asks for another, and noticing a lost WebGPU device (the client then restarts
 * the worker elsewhere). Apart from the model's lifecycle, which only asks it to switch.
 */
import * as tf from '@tensorflow/tfjs';
import { activeWebgpuDevice, type BackendFallback, type BackendName, chooseBackend } from '../backend';
import { EngineError } from '../errors';
import type { BackendReport } from '../protocol/state';
import type { SessionCore } from './core';

/** How long a failed WebGPU step waits for the device-loss report before calling it a fault, ms. */
const DEVICE_LOSS_GRACE_MS = 500;

export class SessionBackend {
  /** Backends init was told not to use (they failed earlier), with why. */
  private avoid: BackendFallback[] = [];

  constructor(private readonly core: SessionCore) {}

  /** init's choice: the requested backend (or the fastest that works), none of `avoid` unless asked for. */
  start(requested: BackendName | 'auto', avoid: BackendName[]): Promise<BackendReport> {
    this.avoid = avoid.map((backend) => ({
      backend,
      reason: 'it failed earlier in this session (lost device or crash)',
    }));
    return this.switchTo(requested);
  }

  async switchTo(requested: BackendName | 'auto'): Promise<BackendReport> {
    let report: BackendReport;
    try {
      // An explicit request (the user's own switch) may retry a backend that failed earlier.
      const avoid = this.avoid.filter((a) => a.backend !== requested);
      const choice = await chooseBackend(requested === 'auto' ? undefined : requested, undefined, avoid);
      report = { ...choice, requested };
    } catch (err) {
      this.core.fault('backend-failed', (err as Error).message, 'none');
      throw new EngineError('internal', (err as Error).message);
    }
    this.watchDevice();
    this.core.emit({ type: 'backend', backend: report });
    return report;
  }

  /** Reports a lost WebGPU device (driver reset, or debug 'lose-device'): the client restarts us. */
  private watchDevice(): void {
    const core = this.core;
    const device = activeWebgpuDevice();
    device?.lost.then((info) => {
      if (tf.getBackend() !== 'webgpu' || core.closed) return;
      core.deviceLost = true;
      core.training = false;
      core.wakeLoop?.();
      for (const a of core.aborts) a.abort();
      core.setState('faulted', 'device lost');
      const why = info?.message || info?.reason || 'unknown reason';
      core.fault(
        'device-lost',
        `The GPU device was lost (${why}). The engine restarts on another backend from the last saved weights.`,
        'restarting',
      );
    });
  }
}

/**
 * A lost GPU device fails the running step, often before `device.lost` resolves. Gives the
 * loss a moment to be reported, so the step's error is not taken for a fault of its own (which
 * would pause training that the client's restart is meant to resume).
 */
export async function settleDeviceLoss(): Promise<void> {
  const device = activeWebgpuDevice();
  if (!device) return;
  await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, DEVICE_LOSS_GRACE_MS))]);
  // watchDevice's handler was attached first: one more turn lets it set deviceLost.
  await Promise.resolve();
}
