/**
 * Seeded random streams for weight initialisation: the same (seed, stream tags) give the same
 * numbers in every browser, backend and Node, independently of tfjs's own generators.
 */

/** Murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit state derived from a seed and any number of integer tags (e.g. purpose, head, half). */
export function streamSeed(seed: number, ...tags: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const tag of tags) h = mix32(h ^ mix32(tag + 0x632be5ab));
  return h;
}

/** Mulberry32: a small, fast generator of uniformly distributed 32-bit words. */
export class RandomStream {
  private state: number;

  constructor(seed: number, ...tags: number[]) {
    this.state = streamSeed(seed, ...tags);
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Fills `out` with uniform numbers in [-bound, bound). */
  fillUniform(out: Float32Array, bound: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = (2 * this.next() - 1) * bound;
    return out;
  }

  /** Fills `out` with normal numbers of mean 0 and standard deviation `std` (Box–Muller). */
  fillNormal(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = (this.nextUint32() + 1) / 4294967297; // (0, 1]: log stays finite
      const u2 = this.next();
      const r = std * Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }
}
