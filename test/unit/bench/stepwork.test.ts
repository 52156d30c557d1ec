import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundleArgs } from '../../../bench/bundle/args';
import { compareBackends, formatComparison } from '../../../bench/bundle/compare';
import { formatStepWork } from '../../../bench/lib/formatStepwork';
import type { BenchResult, ModeWork, StepWorkRow } from '../../../bench/lib/result';
import { stepWorkTargets } from '../../../bench/lib/stepworkTargets';
import { checkTargets } from '../../../bench/lib/targets';
import { renderTable } from '../../../bench/node/readme';
import { benchStepWork } from '../../../bench/suites/stepwork';
import { kernelMode } from '../../../src/model/ops/kernelMode';

/** The step-work suite on wasm at a small size, and its targets, tables and the bundle's pieces. */

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

function mode(step_ms: number, extra: Partial<ModeWork> = {}): ModeWork {
  return {
    step_ms,
    step_spread: [step_ms * 0.9, step_ms * 1.1],
    kernels: 700,
    compute_kernels: 500,
    view_kernels: 200,
    reads: 1,
    blocking_reads: 0,
    read_bytes: 4,
    kernel_reads: 0,
    kernel_read_bytes: 0,
    top_kernels: [['Add', 10]],
    ...extra,
  };
}

function row(unit: StepWorkRow['unit'], slots: number, fused: ModeWork, reference: ModeWork): StepWorkRow {
  return {
    unit,
    n_keys: Math.sqrt(slots),
    slots,
    v_dim: 64,
    heads: 2,
    knn: 8,
    fused,
    reference,
    speedup: reference.step_ms / fused.step_ms,
    speedup_spread: [1, 2],
    steps_per_s: 1000 / fused.step_ms,
    tokens_per_s: (512 * 1000) / fused.step_ms,
  };
}

describe('benchStepWork on wasm', () => {
  it('measures the default model and a memory layer in both modes and leaves nothing behind', async () => {
    const tensors = tf.memory().numTensors;
    const log: string[] = [];
    const rows = await benchStepWork(
      { model: true, memoryNKeys: [16], paper: false, warmup: 1, reps: 2 },
      (m) => log.push(m),
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(kernelMode()).toBe('fused');
    expect(rows.map((r) => [r.unit, r.slots])).toEqual([
      ['model', 128 * 128],
      ['memory', 256],
    ]);
    for (const r of rows) {
      for (const w of [r.fused, r.reference]) {
        expect(w.compute_kernels).toBeGreaterThan(20);
        expect(w.kernels).toBe(w.compute_kernels + w.view_kernels);
        expect(w.step_ms).toBeGreaterThan(0);
        expect(w.gpu_programs).toBeUndefined();
      }
      expect(r.speedup).toBeGreaterThan(0);
      // The fused ops replace many reference kernels each.
      expect(r.reference.compute_kernels).toBeGreaterThan(2 * r.fused.compute_kernels);
      // Both are rounded to 3 significant digits.
      expect(Math.abs(r.tokens_per_s / ((16 * 32 * 1000) / r.fused.step_ms) - 1)).toBeLessThan(0.01);
    }
    // The memory unit's step ends by reading its loss back (a float32): at least that read.
    const memory = rows[1];
    expect(memory.fused.reads).toBeGreaterThanOrEqual(1);
    expect(memory.fused.read_bytes).toBeGreaterThanOrEqual(4);
    expect(log.some((m) => m.includes('compute kernels'))).toBe(true);
  });
});

describe('step-work targets', () => {
  const rows = [
    row('model', 16_384, mode(100, { compute_kernels: 601 }), mode(170)),
    row('memory', 4096, mode(10), mode(30)),
    row('memory', 1_048_576, mode(20, { blocking_reads: 2 }), mode(30, { blocking_reads: 5 })),
  ];

  it('applies the backend thresholds and uses the largest memory size', () => {
    const wasm = Object.fromEntries(stepWorkTargets(rows, 'wasm').map((t) => [t.id, t]));
    expect(wasm.stepwork_model_kernels).toMatchObject({ value: 601, pass: false });
    expect(wasm.stepwork_blocking_reads).toMatchObject({ value: 2, pass: false });
    expect(wasm.stepwork_model_speedup).toMatchObject({ value: 1.7, threshold: 1.6, pass: true });
    expect(wasm.stepwork_memory_speedup).toMatchObject({ value: 1.5, threshold: 2, pass: false });
    const gpu = Object.fromEntries(stepWorkTargets(rows, 'webgpu').map((t) => [t.id, t]));
    expect(gpu.stepwork_model_speedup).toMatchObject({ threshold: 3, pass: false });
    // On WebGPU the raw dispatches (fused Adam, value update) count when they outnumber the kernels.
    const dispatching = [
      row('model', 16_384, mode(100, { compute_kernels: 500, gpu_dispatches: 640 }), mode(170)),
    ];
    expect(stepWorkTargets(dispatching, 'webgpu')[0]).toMatchObject({ value: 640, pass: false });
    const cpu = Object.fromEntries(stepWorkTargets(rows, 'cpu').map((t) => [t.id, t]));
    expect(cpu.stepwork_model_speedup).toMatchObject({ value: null, pass: null });
    expect(stepWorkTargets(undefined, 'wasm').every((t) => t.pass === null)).toBe(true);
  });

  it('judges the fused ÷ reference speedups on a software GPU too (the issue sets them on SwiftShader)', () => {
    const software = Object.fromEntries(
      checkTargets({ backend: 'webgpu', softwareGpu: true, stepwork: rows }).map((t) => [t.id, t]),
    );
    expect(software.stepwork_model_speedup).toMatchObject({ value: 1.7, threshold: 3, pass: false });
    expect(software.stepwork_memory_speedup).toMatchObject({ value: 1.5, threshold: 2, pass: false });
    expect(software.stepwork_model_kernels).toMatchObject({ value: 601, pass: false });
  });

  it('prints a line per unit and mode, GPU programs only when counted, and README rows', () => {
    const text = formatStepWork(rows).join('\n');
    expect(text).toMatch(/default model \(16,384 slots\) +fused +100 /);
    expect(text).not.toContain('GPU programs');
    const gpuRows = [row('memory', 4096, mode(10, { gpu_programs: 90 }), mode(20, { gpu_programs: 190 }))];
    expect(formatStepWork(gpuRows).join('\n')).toContain('GPU programs');
    const result = {
      machine: { cpu: 'CPU', cores: 2, platform: 'linux x64', runtime: 'node v20', tfjs: '4.22.0' },
      backend: 'wasm',
      runner: 'node',
      quick: true,
      date: '2026-01-01T00:00:00.000Z',
      duration_s: 1,
      stepwork: rows,
      targets: stepWorkTargets(rows, 'wasm'),
      settings: {},
      notes: [],
    } as unknown as BenchResult;
    const table = renderTable([result]);
    expect(table).toContain(
      '| Compute kernels per default-model step, fused / reference (WebGPU: dispatches where more) | ≤ 600 | 601 / 500 ❌ |',
    );
    expect(table).toContain('| Default-model step, reference ÷ fused | wasm ≥ 1.6×, WebGPU ≥ 3× | 1.7× ✅ |');
    expect(table).toContain('1.5× at 1,048,576 ❌');
  });
});

describe('the GPU bundle', () => {
  it('parses its options', () => {
    expect(parseBundleArgs([])).toMatchObject({
      suites: ['model', 'stepwork'],
      backends: ['webgpu', 'wasm'],
    });
    expect(parseBundleArgs(['--json', '--full', '--only', 'stepwork', '--backends', 'wasm'])).toMatchObject({
      json: true,
      full: true,
      suites: ['stepwork'],
      backends: ['wasm'],
    });
    expect(() => parseBundleArgs(['--only', 'ui'])).toThrow(/--only: expected some of/);
    expect(() => parseBundleArgs(['--nope'])).toThrow(/unknown option/);
  });

  it('compares WebGPU with wasm unit by unit', () => {
    const run = (backend: string, ms: number) =>
      ({ backend, stepwork: [row('model', 16_384, mode(ms), mode(ms * 2))] }) as unknown as BenchResult;
    const rows = compareBackends([run('webgpu', 10), run('wasm', 40)]);
    expect(rows.find((r) => r.measure.endsWith('fused') && r.unit === 'ms')?.gpu_advantage).toBe(4);
    expect(rows.find((r) => r.unit === 'tokens/s')?.gpu_advantage).toBe(4);
    expect(compareBackends([run('wasm', 40)])).toEqual([]);
    expect(formatComparison(rows)).toContain('GPU advantage');
  });
});
