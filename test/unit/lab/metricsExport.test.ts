import { describe, expect, test } from 'vitest';
import { cellText, toCsv } from '../../../src/app/lab/export/csv';
import {
  evalMetricsCsv,
  evalMetricsJson,
  evalMetricsRows,
  lossHistoryCsv,
  runJson,
  usageCsv,
} from '../../../src/app/lab/export/metricsExport';
import { appendLosses, EMPTY_LOSS_HISTORY } from '../../../src/state/lossHistory';
import { evalReport, usage } from '../state/fixtures';

/** Parses the CSV this module writes (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV', () => {
  test('quotes only fields that need it and leaves non-finite numbers empty', () => {
    expect(cellText('plain')).toBe('plain');
    expect(cellText('a,b')).toBe('"a,b"');
    expect(cellText('say "hi"')).toBe('"say ""hi"""');
    expect(cellText('two\nlines')).toBe('"two\nlines"');
    expect(cellText(Number.NaN)).toBe('');
    expect(cellText(Number.POSITIVE_INFINITY)).toBe('');
    expect(cellText(null)).toBe('');
    expect(cellText(0.1 + 0.2)).toBe('0.30000000000000004');
    const csv = toCsv(['name', 'value'], [['x, "y"', 1.5]]);
    expect(parseCsv(csv)).toEqual([
      ['name', 'value'],
      ['x, "y"', '1.5'],
    ]);
  });

  test('refuses a row whose width differs from the header', () => {
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 cells but the header has 2/);
  });
});

describe('metrics export', () => {
  // 4 tokens × 2 heads × k = 2 reads over 16 slots.
  const slots = [0, 1, 2, 3, 0, 1, 4, 5, 0, 2, 6, 7, 1, 3, 8, 9];
  const report = evalReport(200, 1.25, slots);

  test('one row for the whole memory and one per head, with the XLM metrics', () => {
    const rows = parseCsv(evalMetricsCsv(report));
    expect(rows[0].slice(0, 7)).toEqual([
      'step',
      'val_loss',
      'perplexity',
      'bits_per_byte',
      'layer',
      'head',
      'tokens',
    ]);
    expect(rows).toHaveLength(1 + 3);
    const col = (name: string) => rows[0].indexOf(name);
    const m = report.memories[0].metrics;
    expect(rows[1][col('head')]).toBe('all');
    expect(Number(rows[1][col('usage')])).toBe(m.usage);
    expect(Number(rows[1][col('kl_w')])).toBe(m.kl_w);
    expect(rows[2][col('head')]).toBe('1');
    expect(Number(rows[2][col('gini_w')])).toBe(m.per_head[0].gini_w);
    expect(Number(rows[3][col('top90_u')])).toBe(m.per_head[1].top90_u);
    expect(Number(rows[3][col('val_loss')])).toBe(1.25);
    // 10 distinct slots of 16 received weight.
    expect(Number(rows[1][col('usage')])).toBeCloseTo(10 / 16, 12);
  });

  test('a model without memory gets one row with the loss only', () => {
    const rows = evalMetricsRows({ ...report, memories: [] });
    expect(rows).toHaveLength(1);
    expect(rows[0].slice(0, 2)).toEqual([200, 1.25]);
    expect(rows[0][4]).toBe('');
  });

  test('the loss history joins every training step with the validation points', () => {
    let h = appendLosses(EMPTY_LOSS_HISTORY, 1, [3, 2.5, 2]);
    h = appendLosses(h, 4, [1.75]);
    const rows = parseCsv(
      lossHistoryCsv(h, [
        { step: 0, loss: 3.2 },
        { step: 2, loss: 2.6 },
        { step: 4, loss: 1.9 },
      ]),
    );
    expect(rows).toEqual([
      ['step', 'train_loss', 'val_loss'],
      ['0', '', '3.2'],
      ['1', '3', ''],
      ['2', '2.5', '2.6'],
      ['3', '2', ''],
      ['4', '1.75', '1.9'],
    ]);
  });

  test('usage maps: one row per layer, head and slot with its grid cell', () => {
    const u = usage(2, [5, 0, 1, 2]);
    const rows = parseCsv(usageCsv([u]));
    expect(rows[0]).toEqual(['layer', 'head', 'slot', 'row', 'col', 'count', 'weight']);
    // 'all' plus one head, 4 slots each.
    expect(rows).toHaveLength(1 + 2 * 4);
    expect(rows[1]).toEqual(['2', 'all', '0', '0', '0', '5', '5']);
    expect(rows[3]).toEqual(['2', 'all', '2', '1', '0', '1', '1']);
    expect(rows[8]).toEqual(['2', '1', '3', '1', '1', '2', '2']);
  });

  test('JSON keeps typed arrays as arrays and non-finite numbers as null', () => {
    const h = appendLosses(EMPTY_LOSS_HISTORY, 1, [2, Number.NaN]);
    const doc = JSON.parse(
      runJson(
        { config: null, step: 2, eval: report, losses: h, val: [], coverage: [], usage: [usage(1, [1, 0])] },
        new Date('2025-01-02T03:04:05Z'),
      ),
    );
    expect(doc.format).toBe('pkm-explorer-run/1');
    expect(doc.exportedAt).toBe('2025-01-02T03:04:05.000Z');
    expect(doc.loss).toEqual({ steps: [1, 2], train: [2, null] });
    expect(doc.usage[0].counts.total).toEqual([1, 0]);
    expect(doc.eval.memories[0].metrics.per_head).toHaveLength(2);
    const metrics = JSON.parse(evalMetricsJson(report));
    expect(metrics.eval.loss).toBe(1.25);
    expect(JSON.parse(evalMetricsJson(null)).eval).toBeNull();
  });
});
