/**
 * The experiments' texts (src/model/experiments, and the committed results that copy them) use
 * working shorthand: "(2nd)" for a number the paper's summary quoted second-hand, "the brief" for
 * that summary. The page says the same in words a reader knows.
 */
const PHRASES: [RegExp, string][] = [
  [/\(2nd\)\s*/g, '(quoted second-hand) '],
  [/the brief quotes no numbers for it/g, 'no published numbers for it were at hand'],
  [/no numbers in the brief/g, 'no published numbers at hand'],
  [/the largest size the brief calls/g, 'the largest size reported as'],
  [/\bthe brief\b/g, 'the summary of the paper used here'],
  [/\bThe brief\b/g, 'The summary of the paper used here'],
];

export function plainWords(text: string): string {
  let out = text;
  for (const [pattern, words] of PHRASES) out = out.replace(pattern, words);
  return out;
}
