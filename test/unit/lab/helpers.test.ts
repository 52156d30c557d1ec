import { describe, expect, test } from 'vitest';
import { fileSlug } from '../../../src/app/lab/common/download';
import { fileSizeProblem, formatBytes } from '../../../src/app/lab/common/readFile';
import { generateProblems } from '../../../src/app/lab/generate/generateArgs';

describe('lab helpers', () => {
  test('file sizes are checked before reading', () => {
    expect(fileSizeProblem({ name: 'a.txt', size: 0 }, 100, 'text file')).toBe(
      'a.txt is empty: choose a text file with some content.',
    );
    expect(fileSizeProblem({ name: 'big.txt', size: 21 * 1024 * 1024 }, 20 * 1024 * 1024, 'text file')).toBe(
      'big.txt is too large: 21 MB, the limit for a text file is 20 MB.',
    );
    expect(fileSizeProblem({ name: 'ok.txt', size: 100 }, 100, 'text file')).toBeNull();
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(580 * 1024)).toBe('580 KB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });

  test('file names from titles', () => {
    expect(fileSlug('Sub-key scores, half 1 (head 2)')).toBe('sub-key-scores-half-1-head-2');
    expect(fileSlug('Half 1: q₁ against C₁')).toBe('half-1-q1-against-c1');
    expect(fileSlug('Überblick — Köln')).toBe('uberblick-koln');
    expect(fileSlug('∑∑∑')).toBe('figure');
  });

  test('generation settings are checked with one message each', () => {
    expect(generateProblems({ length: '200', temperature: '0', seed: '1' })).toEqual([]);
    expect(generateProblems({ length: '0', temperature: '0.8', seed: '1' })).toEqual([
      'Length must be a whole number of bytes from 1 to 4,096.',
    ]);
    expect(generateProblems({ length: '5000', temperature: '-1', seed: 'x' })).toHaveLength(3);
    expect(generateProblems({ length: '', temperature: '', seed: '' })).toHaveLength(3);
  });
});
