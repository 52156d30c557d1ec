/**
 * Cutting user text without splitting a character: lengths count code points, so an emoji (two
 * UTF-16 units) is kept whole or dropped whole.
 */

/** The first `max` code points of `text`. */
export function cutToCodePoints(text: string, max: number): string {
  let count = 0;
  let end = 0;
  for (const ch of text) {
    if (count === max) return text.slice(0, end);
    count++;
    end += ch.length;
  }
  return text;
}

/**
 * A name of at most `max` code points for display and storage: the start and the extension kept,
 * the middle replaced by "…" (a 300-character file name stays recognisable).
 */
export function shortenName(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  // A long "extension" is part of the name, not a suffix worth keeping.
  const tail = ext.length > 0 && ext.length <= 12 ? ext : [];
  const head = chars.slice(0, max - 1 - tail.length);
  return `${head.join('')}…${tail.join('')}`;
}
