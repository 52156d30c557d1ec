import { describe, expect, it } from 'vitest';
import { createStreamDecoder, decode, encode, tokenLabel, VOCAB_SIZE } from '../../../src/model/tokenizer';

describe('byte tokenizer', () => {
  it('round-trips ASCII, accents, CJK and emoji exactly', () => {
    for (const text of ['', 'Kavo lives in Oslo.\n', 'Ærøskøbing – café', '東京タワー', '🦊 and 👩‍👩‍👧']) {
      const tokens = encode(text);
      expect(tokens.every((t) => t >= 0 && t < VOCAB_SIZE)).toBe(true);
      expect(decode(tokens)).toBe(text);
    }
    expect(Array.from(encode('é'))).toEqual([0xc3, 0xa9]);
  });

  it('decodes cut-off or invalid bytes to U+FFFD without throwing', () => {
    const fox = encode('🦊');
    expect(decode(fox.subarray(0, 2))).toBe('\ufffd');
    expect(decode([0x61, 0xff, 0x62])).toBe('a\ufffdb');
    expect(decode([0xc3])).toBe('\ufffd');
    expect(decode(Array.from(encode('ok')))).toBe('ok');
  });

  it('streams a character split across pushes without a replacement char', () => {
    const decoder = createStreamDecoder();
    const bytes = encode('a🦊b');
    const pieces = Array.from(bytes, (b) => decoder.push([b]));
    expect(pieces).toEqual(['a', '', '', '', '🦊', 'b']);
    expect(decoder.end()).toBe('');
    const cut = createStreamDecoder();
    cut.push(bytes.subarray(0, 3));
    expect(cut.end()).toBe('\ufffd');
  });

  it('labels bytes readably', () => {
    expect(tokenLabel(10)).toBe('\\n');
    expect(tokenLabel(32)).toBe('␣');
    expect(tokenLabel(65)).toBe('A');
    expect(tokenLabel(0)).toBe('\\x00');
    expect(tokenLabel(0xc3)).toBe('\\xc3');
  });
});
