import { describe, expect, test } from 'vitest';
import { compareCsv } from '../../../src/app/lab/compare/compareExport';
import {
  configSummary,
  customVariant,
  defaultMemoryLayers,
  headsKnnPairs,
  presetVariants,
} from '../../../src/app/lab/compare/presets';
import {
  finalTrainLoss,
  finishComparison,
  isComparison,
  meanStepMs,
  newComparison,
  recordEval,
  recordSteps,
  setRunStatus,
} from '../../../src/app/lab/compare/results';
import { compareSchedule, scheduleProblem, scheduleSteps } from '../../../src/app/lab/compare/schedule';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { evalReport } from '../state/fixtures';

const base: ModelConfig = { ...DEFAULT_CONFIG, mem_layers: [2] };

describe('compare presets', () => {
  test('memory vs baseline vs flat keys change only what they compare', () => {
    const [product, baseline, flat] = presetVariants('memory', base);
    expect(product.config).toEqual(base);
    expect(baseline.config).toEqual({ ...base, mem_layers: [] });
    expect(flat.config).toEqual({ ...base, mem_keys: 'flat' });
    for (const v of [product, baseline, flat]) expect(v.config!.seed).toBe(base.seed);
  });

  test('a base without memory gets one in the middle block for the memory variants', () => {
    const noMemory = { ...base, layers: 6, mem_layers: [] };
    expect(defaultMemoryLayers(noMemory)).toEqual([3]);
    const [product, baseline] = presetVariants('memory', noMemory);
    expect(product.config!.mem_layers).toEqual([3]);
    expect(baseline.config!.mem_layers).toEqual([]);
    expect(presetVariants('query-norm', noMemory).map((v) => v.config!.query_norm)).toEqual([
      'batchnorm',
      'layernorm',
      'none',
    ]);
  });

  test('heads × k keeps the product heads·k', () => {
    expect(headsKnnPairs({ ...base, heads: 2, knn: 8 })).toEqual([
      { heads: 1, knn: 16 },
      { heads: 2, knn: 8 },
      { heads: 4, knn: 4 },
      { heads: 8, knn: 2 },
    ]);
    // k may not exceed n_keys (nor 64).
    expect(headsKnnPairs({ ...base, n_keys: 8, heads: 4, knn: 4 }).map((p) => p.heads)).toEqual([2, 4, 8]);
    const variants = presetVariants('heads-knn', base);
    expect(variants.every((v) => v.config!.heads * v.config!.knn === 16)).toBe(true);
    expect(new Set(variants.map((v) => v.id)).size).toBe(variants.length);
  });

  test('custom variants read field=value pairs and name every problem', () => {
    const ok = customVariant('c', 'knn=16  heads=1', base);
    expect(ok.config).toEqual({ ...base, knn: 16, heads: 1 });
    expect(ok.label).toBe('knn=16 heads=1');
    expect(customVariant('c', '', base).problem).toMatch(/at least one/);
    expect(customVariant('c', 'knn', base).problem).toMatch(/not field=value: knn/);
    expect(customVariant('c', 'colour=red', base).problem).toMatch(/Unknown setting "colour"/);
    expect(customVariant('c', 'knn=1000', base).problem).toMatch(/knn/);
  });

  test('summaries say what a config is', () => {
    expect(configSummary({ ...base, mem_layers: [] })).toMatch(/baseline \(no memory\)/);
    expect(configSummary(base)).toMatch(
      /memory in block 3 · 128² slots, 2 heads × k 8 · product keys · batchnorm/,
    );
  });
});

describe('compare schedule', () => {
  test('evaluates at 0, every N steps and at the end, with batches of at most maxBatch', () => {
    const tasks = compareSchedule({ steps: 25, evalEvery: 10, maxBatch: 4 });
    expect(tasks.filter((t) => t.kind === 'eval').map((t) => (t.kind === 'eval' ? t.step : -1))).toEqual([
      0, 10, 20, 25,
    ]);
    expect(scheduleSteps(tasks)).toBe(25);
    let step = 0;
    for (const t of tasks) {
      if (t.kind === 'steps') {
        expect(t.from).toBe(step);
        expect(t.count).toBeGreaterThan(0);
        expect(t.count).toBeLessThanOrEqual(4);
        step += t.count;
      } else expect(t.step).toBe(step);
    }
  });

  test('an eval interval past the end evaluates at 0 and at the end only', () => {
    const tasks = compareSchedule({ steps: 5, evalEvery: 100, maxBatch: 10 });
    expect(tasks).toEqual([
      { kind: 'eval', step: 0 },
      { kind: 'steps', from: 0, count: 5 },
      { kind: 'eval', step: 5 },
    ]);
  });

  test('bad numbers are refused', () => {
    expect(scheduleProblem({ steps: 0, evalEvery: 1, maxBatch: 1 })).toMatch(/steps/);
    expect(scheduleProblem({ steps: 1.5, evalEvery: 1, maxBatch: 1 })).toMatch(/steps/);
    expect(scheduleProblem({ steps: 10, evalEvery: 0, maxBatch: 1 })).toMatch(/evaluate every/);
    expect(() => compareSchedule({ steps: 10, evalEvery: Number.NaN, maxBatch: 5 })).toThrow(RangeError);
  });
});

describe('compare results', () => {
  const variants = [
    ...presetVariants('memory', base).slice(0, 2),
    { id: 'bad', label: 'bad', config: null, problem: 'knn too large' },
  ];

  test('records steps, evaluations and step times per run', () => {
    let c = newComparison('c', 'Memory vs baseline', variants, { steps: 4, evalEvery: 2 }, 5);
    expect(c.runs.map((r) => r.status)).toEqual(['pending', 'pending', 'skipped']);
    expect(c.runs[2].error).toBe('knn too large');
    c = setRunStatus(c, 'product', 'running');
    c = recordEval(c, 'product', evalReport(0, 5.5, [0, 1, 2, 3]));
    c = recordSteps(c, 'product', [
      { step: 1, loss: 5, lr: 1, gradNorm: 1, ms: 10 },
      { step: 2, loss: 4, lr: 1, gradNorm: 1, ms: 30 },
    ]);
    c = recordEval(c, 'product', {
      ...evalReport(2, 4.5, [0, 1, 2, 3, 4, 5, 6, 7]),
      recall: { accuracy: 0.25, answerLoss: 2, probes: 8 },
    });
    const run = c.runs[0];
    expect(run.train).toEqual({ steps: [1, 2], loss: [5, 4] });
    expect(run.val).toEqual([
      { step: 0, loss: 5.5 },
      { step: 2, loss: 4.5 },
    ]);
    expect(run.coverage.map((p) => [p.step, p.layer, p.usage])).toEqual([
      [0, 1, 4 / 16],
      [2, 1, 8 / 16],
    ]);
    expect(run.recall).toEqual([{ step: 2, accuracy: 0.25, answerLoss: 2 }]);
    expect(meanStepMs(run)).toBe(20);
    expect(finalTrainLoss(run, 0.5)).toBe(4);
    // The other runs are untouched.
    expect(c.runs[1].train.steps).toEqual([]);

    // A baseline's evaluation has no memory: loss only.
    c = recordEval(c, 'baseline', { ...evalReport(0, 6, []), memories: [] });
    expect(c.runs[1].coverage).toEqual([]);
    expect(c.runs[1].val).toEqual([{ step: 0, loss: 6 }]);

    const ended = finishComparison(c, 'cancelled', 'Cancelled.', 9);
    expect(ended.runs.map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'skipped']);
    expect(ended.finishedAt).toBe(9);
    expect(isComparison(JSON.parse(JSON.stringify(ended)))).toBe(true);
    expect(isComparison({ id: 'x' })).toBe(false);

    const rows = compareCsv(ended).trim().split('\r\n');
    expect(rows[0]).toBe('run,step,train_loss,val_loss,usage,kl_w,gini,top90,recall');
    expect(rows[1]).toMatch(/^memory \(product keys\),0,,5\.5,0\.25,/);
    expect(rows[3]).toMatch(/^memory \(product keys\),2,4,4\.5,0\.5,.*,0\.25$/);
    expect(rows[4]).toBe('baseline (no memory),0,,6,,,,,');
  });
});
