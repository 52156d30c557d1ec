/** The generation form's problems (one sentence each), empty when it can be sent. */
export function generateProblems(raw: { length: string; temperature: string; seed: string }): string[] {
  const problems: string[] = [];
  const length = Number(raw.length);
  if (raw.length.trim() === '' || !Number.isInteger(length) || length < 1 || length > 4096) {
    problems.push('Length must be a whole number of bytes from 1 to 4,096.');
  }
  const t = Number(raw.temperature);
  if (raw.temperature.trim() === '' || !Number.isFinite(t) || t < 0 || t > 10) {
    problems.push('Temperature must be a number from 0 (greedy) to 10.');
  }
  const seed = Number(raw.seed);
  if (raw.seed.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    problems.push('Seed must be a whole number from 0 to 2,147,483,647.');
  }
  return problems;
}
