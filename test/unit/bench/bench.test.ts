import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../bench/lib/args';
import { formatReport } from '../../../bench/lib/format';
import { type FrameRateSample, frameRateScript } from '../../../bench/lib/frameRate';
import { timeInterleaved } from '../../../bench/lib/interleave';
import { makePlan } from '../../../bench/lib/plan';
import type { BenchResult } from '../../../bench/lib/result';
import { pairedRatio, summarize } from '../../../bench/lib/stats';
import { checkTargets } from '../../../bench/lib/targets';
import { renderTable } from '../../../bench/node/readme';
import { DenseValueMemory } from '../../../bench/suites/denseValueMemory';
import { benchLookup } from '../../../bench/suites/lookup';
import { benchModel } from '../../../bench/suites/model';
import { benchScaling } from '../../../bench/suites/scaling';
import { createDenseUnit, createSparseUnit, stepSpec } from '../../../bench/suites/stepUnits';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { createMemory, initMemoryWeights } from '../../../src/model/memory';

/** The benchmark machinery in a tiny configuration: it runs, fills every field, leaks nothing. */

const TINY: ModelConfig = {
  ...DEFAULT_CONFIG,
  d_model: 16,
  heads: 1,
  k_dim: 8,
  knn: 2,
  batch: 2,
  context: 4,
};

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('statistics', () => {
  it('summarises with interpolated quartiles and pairs ratios by repetition', () => {
    const s = summarize([4, 1, 3, 2, 5]);
    expect(s).toEqual({ median: 3, p25: 2, p75: 4, min: 1, max: 5, n: 5 });
    expect(summarize([1, 2]).median).toBe(1.5);
    expect(pairedRatio([10, 40, 90], [1, 4, 10]).median).toBe(10);
    expect(() => summarize([])).toThrow(/no values/);
    expect(() => pairedRatio([1], [1, 2])).toThrow(/1 against 2/);
  });
});

describe('timeInterleaved', () => {
  it('warms every variant up, then rotates the order from one repetition to the next', async () => {
    const calls: string[] = [];
    const variant = (name: string) => ({ name, run: async () => void calls.push(name) });
    let clock = 0;
    const samples = await timeInterleaved([variant('a'), variant('b'), variant('c')], {
      warmup: 1,
      reps: 3,
      now: () => clock++,
    });
    expect(calls.join('')).toBe('abc' + 'abc' + 'bca' + 'cab');
    expect(samples.a).toHaveLength(3);
    expect(samples.a.every((t) => t === 1)).toBe(true);
    await expect(timeInterleaved([variant('a'), variant('a')], { warmup: 0, reps: 1 })).rejects.toThrow(
      /distinct/,
    );
  });
});

describe('suites on wasm, tiny sizes', () => {
  it('lookup: product and flat selection and whole read, product only where flat is refused', async () => {
    const before = tf.memory().numTensors;
    const plan = {
      ...makePlan('wasm', true).lookup,
      nKeys: [4, 512],
      batch: 8,
      kDim: 8,
      knn: 4,
      warmup: 0,
      reps: 2,
    };
    const rows = await benchLookup(plan, () => {});
    expect(rows.map((r) => r.slots)).toEqual([16, 262_144]);
    const [small, big] = rows;
    for (const v of [
      small.product_ms,
      small.flat_ms,
      small.speedup,
      small.read_product_ms,
      small.read_flat_ms,
      small.fused_ms,
      small.fused_speedup,
      small.fused_over_reference,
      small.read_fused_ms,
      small.read_fused_speedup,
      big.fused_ms,
    ])
      expect(v).toBeGreaterThan(0);
    expect(big.flat_ms).toBeUndefined();
    expect(big.flat_skipped).toMatch(/n_keys must be from 2 to 256 for flat keys/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the dense baseline is the same model as the sparse module: equal first loss', async () => {
    const sparse = createSparseUnit(TINY, 8);
    const dense = createDenseUnit(TINY, 8);
    try {
      const [a, b] = [await sparse.step(), await dense.step()];
      expect(a).toBeGreaterThan(0);
      expect(Math.abs(a - b)).toBeLessThan(1e-5 * a);
      // Both train: a few more steps lower the loss on the fixed batch.
      let [la, lb] = [a, b];
      for (let i = 0; i < 5; i++) [la, lb] = [await sparse.step(), await dense.step()];
      expect(la).toBeLessThan(a);
      expect(lb).toBeLessThan(b);
    } finally {
      sparse.dispose();
      dense.dispose();
    }
  });

  it('scaling: sparse and dense steps per size, footprint, and the ratio to 2^12 slots', async () => {
    const before = tf.memory().numTensors;
    const plan = {
      ...makePlan('wasm', true).steps,
      config: TINY,
      nKeys: [8, 64],
      denseMaxNKeys: 8,
      warmup: 1,
      reps: 2,
    };
    const rows = await benchScaling(plan, () => {});
    expect(rows.map((r) => r.slots)).toEqual([64, 4096]);
    const [small, ref] = rows;
    expect(small.dense_step_ms).toBeGreaterThan(0);
    expect(ref.dense_step_ms).toBeUndefined();
    expect(ref.sparse_over_4096).toBe(1);
    // Values and their two Adam moments: at least 3 · v_dim floats per slot.
    expect(ref.sparse_bytes_per_slot).toBeGreaterThanOrEqual(3 * 4 * TINY.d_model);
    expect(ref.sparse_peak_bytes).toBeGreaterThanOrEqual(ref.sparse_state_bytes!);
    expect(small.dense_peak_bytes).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('full model suite on wasm, tiny model', () => {
  it('steps the memory, dense-gradient and FFN models and counts the layer parameters', async () => {
    const before = tf.memory().numTensors;
    const config: ModelConfig = { ...TINY, layers: 2, mem_layers: [1], attn_heads: 2 };
    const plan = {
      ...makePlan('wasm', true).model,
      config,
      nKeys: [8, 64],
      denseMaxNKeys: 8,
      warmup: 1,
      reps: 2,
    };
    const { steps, vs_ffn } = await benchModel(plan, () => {});
    expect(steps.map((s) => s.n_keys)).toEqual([8, 64]);
    expect(steps[0].dense_step_ms).toBeGreaterThan(0);
    expect(steps[1].dense_step_ms).toBeUndefined();
    expect(steps[1].over_4096).toBe(1);
    const d = config.d_model;
    const h = d * config.ffn_mult;
    expect(vs_ffn.n_keys).toBe(64);
    expect(vs_ffn.ffn_params).toBe(2 * d * h + h + d);
    // Query net and BatchNorm affine, product keys, and the 4,096 × d_model value table.
    const q = config.heads * config.k_dim;
    expect(vs_ffn.pkm_params).toBe(d * q + q + 2 * q + config.heads * 64 * config.k_dim + 4096 * d);
    expect(vs_ffn.pkm_model_params - vs_ffn.ffn_model_params).toBe(vs_ffn.pkm_params - vs_ffn.ffn_params);
    expect(vs_ffn.pkm_tokens_per_s).toBeGreaterThan(0);
    expect(vs_ffn.ratio).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('reports', () => {
  const result: BenchResult = {
    machine: { cpu: 'Test CPU', cores: 2, platform: 'linux x64', runtime: 'node v20', tfjs: '4.22.0' },
    backend: 'wasm',
    load: { start: [0.1, 0.1, 0.1], end: [0.2, 0.1, 0.1] },
    runner: 'node',
    quick: true,
    date: '2026-01-01T00:00:00.000Z',
    duration_s: 1,
    lookup: [
      {
        n_keys: 256,
        slots: 65_536,
        batch: 1024,
        product_ms: 10,
        product_spread: [9, 11],
        flat_ms: 600,
        speedup: 60,
        read_product_ms: 12,
      },
    ],
    scaling: [
      { n_keys: 64, slots: 4096, sparse_step_ms: 10, sparse_spread: [9, 11], sparse_over_4096: 1 },
      { n_keys: 512, slots: 262_144, sparse_step_ms: 15, sparse_spread: [14, 16], sparse_over_4096: 1.5 },
    ],
    targets: [],
    settings: {},
    notes: [],
  };
  result.targets = checkTargets(result);

  it('checks each target: pass, miss, or not measured', () => {
    const byId = Object.fromEntries(result.targets.map((t) => [t.id, t]));
    expect(byId.lookup_speedup).toMatchObject({ value: 60, pass: true });
    // Where the fused op was measured, the target is the lookup as the module runs it: fused.
    const fusedRow = { ...result.lookup![0], fused_ms: 20, fused_speedup: 30 };
    const fusedTarget = checkTargets({ lookup: [fusedRow] }).find((t) => t.id === 'lookup_speedup');
    expect(fusedTarget).toMatchObject({ value: 30, pass: false });
    expect(byId.memory_step_scaling).toMatchObject({ value: 1.5, pass: false });
    expect(byId.fps).toMatchObject({ value: null, pass: null });
    expect(formatReport(result)).toMatch(/\[MISS\] memory-layer step at 2\^18 slots/);
    const table = renderTable([result]);
    expect(table).toContain(
      '| Lookup speedup, product vs flat top-k, 65,536 slots (selection) | ≥ 50× | 60× ✅ |',
    );
    expect(table).toContain('1.5× ❌');
  });

  it('on a software GPU, speed targets are shown but neither met nor missed (console and README alike)', () => {
    const software = {
      ...result,
      backend: 'webgpu',
      machine: {
        ...result.machine,
        gpu: {
          name: 'SwiftShader',
          vendor: 'google',
          architecture: 'swiftshader',
          device: '',
          description: 'SwiftShader',
          fallback: true,
        },
      },
    };
    software.targets = checkTargets({ ...software, softwareGpu: true });
    const byId = Object.fromEntries(software.targets.map((t) => [t.id, t]));
    expect(byId.memory_step_scaling).toMatchObject({ value: 1.5, pass: null });
    expect(byId.memory_step_scaling.note).toMatch(/software WebGPU/);
    expect(byId.lookup_speedup).toMatchObject({ value: 60, pass: null });
    const report = formatReport(software);
    expect(report).toMatch(/\[ -- \] memory-layer step at 2\^18 slots/);
    expect(report).not.toMatch(/\[(PASS|MISS)\] memory-layer step/);
    const table = renderTable([software]);
    expect(table).toContain('1.5× †');
    expect(table).not.toContain('1.5× ❌');
  });

  it('parses the options and refuses unknown ones', () => {
    expect(parseArgs(['--json', '--quick', '--backend', 'cpu'])).toMatchObject({
      json: true,
      quick: true,
      backend: 'cpu',
    });
    expect(parseArgs(['--only=lookup,ui']).only).toEqual(['lookup', 'ui']);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option "--fast"/);
    expect(() => parseArgs(['--only', 'nope'])).toThrow(/unknown suite nope/);
    expect(() => parseArgs(['--backend'])).toThrow(/--backend needs a value/);
  });

  it('the frame-rate script runs as text on frames 1/60 s apart', async () => {
    let t = 1000;
    const g = globalThis as { requestAnimationFrame?: (cb: (t: number) => void) => number };
    g.requestAnimationFrame = (cb) => {
      t += 1000 / 60;
      const stamp = t;
      setTimeout(() => cb(stamp), 0);
      return 0;
    };
    try {
      // The script is text, as page.evaluate sends it to a page.
      const run = new Function(`return ${frameRateScript(0.25)}`) as () => Promise<FrameRateSample>;
      const sample = await run();
      expect(sample.fps).toBeCloseTo(60, 6);
      expect(sample.longest_frame_ms).toBeCloseTo(1000 / 60, 6);
      expect(sample.frames).toBe(15);
    } finally {
      delete g.requestAnimationFrame;
    }
  });
});

describe('DenseValueMemory, the dense-gradient baseline', () => {
  it('reads exactly what the memory module reads from the same weights', async () => {
    const spec = stepSpec(TINY, 8);
    const weights = initMemoryWeights(spec, 3);
    const module = createMemory(spec, { weights });
    const baseline = new DenseValueMemory(spec, { weights });
    try {
      const x = Float32Array.from({ length: spec.d_in }, (_, i) => Math.sin(i + 1));
      const [a, b] = [await module.trace(x), await baseline.trace(x)];
      expect(Array.from(b.heads[0].slots)).toEqual(Array.from(a.heads[0].slots));
      // The same rows and weights; the sums may differ in the last bit (the module's fused read
      // adds in another order than the baseline's gather + matMul).
      expect(b.output.length).toBe(a.output.length);
      b.output.forEach((v, i) => {
        expect(v).toBeCloseTo(a.output[i], 5);
      });
      // Its value table is a dense variable: the trainer's dense optimiser updates all of it.
      expect(baseline.denseVariables()).toContain(baseline.values);
      expect(baseline.valueGradientVariables()).toEqual([]);
      expect(await baseline.readWeights()).toEqual(weights);
    } finally {
      module.dispose();
      baseline.dispose();
    }
  });
});
