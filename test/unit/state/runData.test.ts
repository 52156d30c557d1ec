import { describe, expect, it } from 'vitest';
import { lastLoss, lossSeries } from '../../../src/state/lossHistory';
import { applyEval, applySnapshot, emptyRunData, layerUsage, usedFraction } from '../../../src/state/runData';
import { evalReport, snapshot, trace, usage } from './fixtures';

describe('run data reducers', () => {
  it('accumulates every loss, keeps the last trace and usage while snapshots bring none', () => {
    let d = emptyRunData('live');
    d = applySnapshot(
      d,
      snapshot({
        step: 3,
        lossStart: 1,
        losses: Float32Array.of(3, 2.5, 2),
        trace: trace('ab', 1),
        usage: [usage(1, [1, 0, 0, 2])],
      }),
    );
    d = applySnapshot(d, snapshot({ step: 5, lossStart: 4, losses: Float32Array.of(1.9, 1.8) }));
    expect(d.step).toBe(5);
    expect(Array.from(lossSeries(d.losses).steps)).toEqual([1, 2, 3, 4, 5]);
    expect(lastLoss(d.losses)).toBeCloseTo(1.8, 6);
    expect(d.trace?.text).toBe('ab');
    expect(usedFraction(layerUsage(d, 1))).toBe(0.5);
    expect(usedFraction(layerUsage(d, null))).toBe(0.5);
  });

  it('records each validation once, with coverage per layer and head', () => {
    let d = emptyRunData('live');
    const first = evalReport(100, 2, [0, 1, 2, 3, 0, 1, 4, 5]);
    d = applySnapshot(d, snapshot({ step: 100, eval: first }));
    d = applySnapshot(d, snapshot({ step: 101, eval: first }));
    d = applyEval(d, evalReport(200, 1.5, [0, 1, 2, 3, 4, 5, 6, 7]));
    expect(d.val).toEqual([
      { step: 100, loss: 2 },
      { step: 200, loss: 1.5 },
    ]);
    const c = d.coverage[0];
    expect(c.layer).toBe(1);
    expect(c.slots).toBe(16);
    expect(c.total.map((x) => x.step)).toEqual([100, 200]);
    expect(c.total[1].usage).toBe(8 / 16);
    expect(c.perHead).toHaveLength(2);
    expect(c.perHead[0].map((x) => x.step)).toEqual([100, 200]);
  });

  it('a restart that restores an older step forgets what came after it; a reset forgets everything', () => {
    let d = emptyRunData('live');
    d = applySnapshot(
      d,
      snapshot({
        step: 4,
        losses: Float32Array.of(4, 3, 2, 1),
        eval: evalReport(4, 1, [0, 1, 2, 3]),
        trace: trace('x', 0),
      }),
    );
    d = applySnapshot(d, snapshot({ step: 2, lossStart: 3, losses: new Float32Array(0) }));
    expect(Array.from(lossSeries(d.losses).steps)).toEqual([1, 2]);
    expect(d.val).toEqual([]);
    expect(d.eval).toBeNull();
    expect(d.trace?.text).toBe('x');
    d = applySnapshot(d, snapshot({ step: 0 }));
    expect(d.losses.length).toBe(0);
    expect(d.trace).toBeNull();
  });

  it('collects recall points from snapshots and evaluations, once per step, and forgets them on a restore', () => {
    let d = emptyRunData('live');
    const p = (step: number, accuracy: number) => ({ step, accuracy, answerLoss: 2 - accuracy });
    d = applySnapshot(d, snapshot({ step: 250, recall: [p(250, 0.05)] }));
    const afterFirst = d.recall;
    d = applySnapshot(d, snapshot({ step: 260 }));
    expect(d.recall).toBe(afterFirst);
    d = applySnapshot(d, snapshot({ step: 500, recall: [p(500, 0.2)] }));
    // An explicit evaluation arrives as a report (with its probe count) and again in the next snapshot.
    const report = { ...evalReport(520, 1, [0, 1, 2, 3]), recall: { ...p(520, 0.25), probes: 300 } };
    d = applyEval(d, report);
    const withEval = d.recall;
    d = applySnapshot(d, snapshot({ step: 520, eval: report, recall: [p(520, 0.25)] }));
    d = applySnapshot(d, snapshot({ step: 521, eval: report }));
    expect(d.recall).toBe(withEval);
    expect(d.recall).toEqual([p(250, 0.05), p(500, 0.2), p(520, 0.25)]);
    // A worker restart restored step 400: the later measurements are of weights that are gone.
    d = applySnapshot(d, snapshot({ step: 400 }));
    expect(d.recall).toEqual([p(250, 0.05)]);
  });

  it('the first live snapshot replaces precomputed data instead of mixing with it', () => {
    let d = applySnapshot(
      emptyRunData('precomputed'),
      snapshot({ step: 600, losses: new Float32Array(600).fill(1) }),
      'precomputed',
    );
    d = applySnapshot(d, snapshot({ step: 1, losses: Float32Array.of(5) }), 'live');
    expect(d.source).toBe('live');
    expect(Array.from(lossSeries(d.losses).loss)).toEqual([5]);
  });
});
