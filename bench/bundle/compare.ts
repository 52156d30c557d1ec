import { num, table } from '../lib/format';
import type { BenchResult } from '../lib/result';

/** WebGPU against wasm on the same machine: the bundle's summary of what the GPU buys. */

export interface BackendComparison {
  measure: string;
  webgpu: number;
  wasm: number;
  /** wasm ÷ webgpu for times, webgpu ÷ wasm for rates: above 1 means the GPU is faster. */
  gpu_advantage: number;
  unit: 'ms' | 'tokens/s';
}

export function compareBackends(runs: readonly BenchResult[]): BackendComparison[] {
  const gpu = runs.find((r) => r.backend === 'webgpu');
  const cpu = runs.find((r) => r.backend === 'wasm');
  if (!gpu || !cpu) return [];
  const out: BackendComparison[] = [];
  const time = (measure: string, webgpu: number | undefined, wasm: number | undefined) => {
    if (webgpu !== undefined && wasm !== undefined)
      out.push({ measure, webgpu, wasm, gpu_advantage: wasm / webgpu, unit: 'ms' });
  };
  const rate = (measure: string, webgpu: number | undefined, wasm: number | undefined) => {
    if (webgpu !== undefined && wasm !== undefined)
      out.push({ measure, webgpu, wasm, gpu_advantage: webgpu / wasm, unit: 'tokens/s' });
  };
  for (const g of gpu.stepwork ?? []) {
    const c = cpu.stepwork?.find((r) => r.unit === g.unit && r.slots === g.slots && r.v_dim === g.v_dim);
    const what = `${g.unit === 'model' ? 'default model' : g.unit === 'paper' ? 'paper memory' : 'memory layer'} step, ${num(g.slots)} slots`;
    time(`${what}, fused`, g.fused.step_ms, c?.fused.step_ms);
    time(`${what}, reference`, g.reference.step_ms, c?.reference.step_ms);
    if (g.unit === 'model') rate('default model training tokens/s, fused', g.tokens_per_s, c?.tokens_per_s);
  }
  for (const g of gpu.scaling ?? []) {
    const c = cpu.scaling?.find((r) => r.slots === g.slots);
    time(`full model step (model suite), ${num(g.slots)} slots`, g.model_step_ms, c?.model_step_ms);
  }
  if (gpu.vs_ffn && cpu.vs_ffn && gpu.vs_ffn.n_keys === cpu.vs_ffn.n_keys) {
    rate(
      `inference tokens/s, memory model at ${num(gpu.vs_ffn.n_keys ** 2)} slots`,
      gpu.vs_ffn.pkm_tokens_per_s,
      cpu.vs_ffn.pkm_tokens_per_s,
    );
  }
  return out;
}

export function formatComparison(rows: readonly BackendComparison[]): string {
  return [
    'WebGPU vs wasm on this machine (medians; advantage > 1: the GPU is faster)',
    table(
      ['measure', 'unit', 'webgpu', 'wasm', 'GPU advantage'],
      rows.map((r) => [r.measure, r.unit, num(r.webgpu), num(r.wasm), `${num(r.gpu_advantage)}×`]),
    ),
  ].join('\n');
}
