import { describe, expect, test } from 'vitest';
import { fileSizeProblem } from '../../../src/app/lab/common/readFile';
import { fieldMessage, parseField } from '../../../src/app/lab/fields';
import { cutToCodePoints, shortenName } from '../../../src/app/textCut';

describe('cutting user text on characters', () => {
  test('an emoji at the cut is kept whole or dropped whole, never split', () => {
    const text = `${'a'.repeat(255)}😀b`;
    expect(cutToCodePoints(text, 256)).toBe(`${'a'.repeat(255)}😀`);
    expect(cutToCodePoints(text, 255)).toBe('a'.repeat(255));
    // No lone surrogate is left (what slice(0, 256) on UTF-16 units would do).
    expect(cutToCodePoints(`${'a'.repeat(255)}😀`, 256)).not.toMatch(/[\uD800-\uDBFF]$/);
    expect(cutToCodePoints('short', 256)).toBe('short');
  });

  test('a 300-character file name becomes 200 characters keeping its start and extension', () => {
    const name = `${'x'.repeat(296)}.txt`;
    const short = shortenName(name, 200);
    expect(Array.from(short)).toHaveLength(200);
    expect(short.startsWith('xxxx')).toBe(true);
    expect(short.endsWith('….txt')).toBe(true);
    expect(shortenName('notes.txt', 200)).toBe('notes.txt');
    // Counted in code points: emoji names are not split either.
    const emoji = shortenName('😀'.repeat(250), 200);
    expect(Array.from(emoji)).toHaveLength(200);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('file size messages', () => {
  const limit = 20 * 2 ** 20;
  test('one byte over the limit gives exact sizes, not "20 MB … the limit is 20 MB"', () => {
    expect(fileSizeProblem({ name: 'big.txt', size: limit + 1 }, limit, 'text file')).toBe(
      'big.txt is too large: 20,971,521 bytes, the limit for a text file is 20,971,520 bytes (20 MB).',
    );
  });
  test('clearly over the limit keeps the rounded sizes', () => {
    expect(fileSizeProblem({ name: 'big.txt', size: 3 * limit }, limit, 'text file')).toBe(
      'big.txt is too large: 60 MB, the limit for a text file is 20 MB.',
    );
  });
});

describe('the settings form reads what was typed', () => {
  test('text that is not a number is quoted in the message, not "null"', () => {
    expect(parseField('lr', 'fast')).toBe('fast');
    expect(parseField('lr', ' 0.01 ')).toBe(0.01);
    expect(fieldMessage('lr', 'lr must be a number from 1e-7 to 1 (got "")', '', 4)).toBe(
      'lr must be a number from 1e-7 to 1 (got nothing)',
    );
  });
  test('memory blocks are typed as block numbers from 1 and kept 0-based in the config', () => {
    expect(parseField('mem_layers', '1, 4')).toEqual([0, 3]);
    expect(parseField('mem_layers', '')).toEqual([]);
  });
});
