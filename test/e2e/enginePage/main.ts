/**
 * A test-only page (never in the production build): it drives the real engine (EngineClient and
 * its module Worker) and keeps compact, JSON-friendly records of every event for the e2e test.
 */
import { decodeCheckpoint } from '../../../src/engine/checkpoint';
import { EngineClient } from '../../../src/engine/client';
import type { BackendName, EngineEvent, EngineFault } from '../../../src/engine/protocol';

export interface SnapshotRecord {
  seq: number;
  at: number;
  state: string;
  step: number;
  lossStart: number;
  losses: number[];
  numTensors: number;
  backend: string;
  stepsPerSec: number;
  /** Sum and a fingerprint of the total usage counts, when maps came with the snapshot. */
  usage: { layer: number; tokens: number; sum: number; nonzero: number; head0: number[] }[] | null;
}

export interface EngineTestRecords {
  snapshots: SnapshotRecord[];
  faults: EngineFault[];
  states: string[];
  warmup: { phase: string; fraction: number }[];
  checkpoints: number[];
  backends: BackendName[];
}

const records: EngineTestRecords = {
  snapshots: [],
  faults: [],
  states: [],
  warmup: [],
  checkpoints: [],
  backends: [],
};
let client: EngineClient | null = null;
const started = performance.now();

function record(event: EngineEvent): void {
  switch (event.type) {
    case 'snapshot': {
      const s = event.snapshot;
      records.snapshots.push({
        seq: s.seq,
        at: performance.now() - started,
        state: s.state,
        step: s.step,
        lossStart: s.lossStart,
        losses: Array.from(s.losses),
        numTensors: s.tfMemory.numTensors,
        backend: s.backend,
        stepsPerSec: s.stepsPerSec,
        usage:
          s.usage?.map((u) => ({
            layer: u.layer,
            tokens: u.tokens,
            sum: u.counts.total.reduce((a, b) => a + b, 0),
            nonzero: u.counts.total.reduce((a, b) => a + (b > 0 ? 1 : 0), 0),
            head0: Array.from(u.counts.perHead[0].slice(0, 32)),
          })) ?? null,
      });
      break;
    }
    case 'fault':
      records.faults.push(event.fault);
      break;
    case 'state':
      records.states.push(event.state);
      break;
    case 'warmup':
      records.warmup.push({ phase: event.phase, fraction: event.fraction });
      break;
    case 'checkpoint':
      records.checkpoints.push(event.checkpoint.step);
      break;
    case 'backend':
      records.backends.push(event.backend.backend);
      break;
  }
}

/** Frames per second of requestAnimationFrame on this (main) thread over `ms`. */
function measureFps(ms: number): Promise<{ fps: number; longestFrameMs: number }> {
  return new Promise((resolve) => {
    let frames = 0;
    let last = performance.now();
    let longest = 0;
    const start = last;
    const tick = (now: number) => {
      frames++;
      longest = Math.max(longest, now - last);
      last = now;
      if (now - start < ms) requestAnimationFrame(tick);
      else resolve({ fps: (frames * 1000) / (now - start), longestFrameMs: longest });
    };
    requestAnimationFrame(tick);
  });
}

const api = {
  async start(backend: BackendName | 'auto' = 'auto') {
    client = await EngineClient.start({ backend, allowDebug: true });
    client.subscribe(record);
    return client.backend;
  },
  get client(): EngineClient {
    if (!client) throw new Error('call start() first');
    return client;
  },
  records: () => records,
  measureFps,
  /** Whether two checkpoints hold the same weights and optimiser state. */
  sameWeights(a: Uint8Array, b: Uint8Array): boolean {
    const x = decodeCheckpoint(a);
    const y = decodeCheckpoint(b);
    const same = (p: Float32Array, q: Float32Array) => p.length === q.length && p.every((v, i) => v === q[i]);
    const dense = Object.keys(x.weights.dense).every((k) => same(x.weights.dense[k], y.weights.dense[k]));
    const memories = x.weights.memories.every((m, i) =>
      Object.entries(m).every(([k, v]) =>
        same(v as Float32Array, y.weights.memories[i][k as keyof typeof m]!),
      ),
    );
    return dense && memories && x.step === y.step;
  },
};

declare global {
  interface Window {
    engineTest: typeof api;
  }
}
window.engineTest = api;
document.getElementById('status')!.textContent = 'ready';
