import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from '../lib/result';
import { machineSlug } from './machine';

export const RESULTS_DIR = path.resolve(import.meta.dirname, '..', 'results');

/** bench/results/<YYYY-MM-DD>_<HHMM UTC>_<machine>_<runner>-<backend>[-quick].json: one file per run. */
export function resultFileName(r: BenchResult): string {
  const stamp = `${r.date.slice(0, 10)}_${r.date.slice(11, 13)}${r.date.slice(14, 16)}`;
  return `${stamp}_${machineSlug(r.machine)}_${r.runner}-${r.backend}${r.quick ? '-quick' : ''}.json`;
}

export function saveResult(r: BenchResult, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, resultFileName(r));
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

export function loadResults(dir = RESULTS_DIR): BenchResult[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as BenchResult);
}
