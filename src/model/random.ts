/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so that batch sampling,
 * weight initialisation and generation are reproducible everywhere (Node, worker, any backend)
 * and a sampler can be checkpointed by saving a single number.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** The current state; `createRng(seed).state = s` resumes a sequence. */
  state: number;
}

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      // 1 - u keeps the log argument in (0, 1].
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    get state() {
      return s;
    },
    set state(value: number) {
      s = value >>> 0;
    },
  };
}

/** Derives an independent seed for a named part (a layer, a memory, a sampler) from a base seed. */
export function deriveSeed(seed: number, ...parts: (number | string)[]): number {
  // FNV-1a over the base seed and the parts, then one mulberry32 round to mix the bits.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x2f;
    h = Math.imul(h, 0x01000193);
  }
  return createRng(h >>> 0).int(2 ** 31 - 1);
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
