/**
 * Seeded pseudo-random numbers for test media. Specimens must be byte-identical for the same seed on every run,
 * so nothing here (or anywhere in the generator) may use Math.random.
 */

/** mulberry32: tiny, fast, good enough statistical quality for pixels and fake names. */
export class SeededRandom {
  private state: number;
  private spareGaussian: number | undefined;

  constructor(seed: number) {
    // Mix the seed so that neighbouring seeds (1, 2, 3…) do not start from neighbouring states.
    this.state = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal sample (Box–Muller, caching the second value). */
  gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const spare = this.spareGaussian;
      this.spareGaussian = undefined;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/**
 * An independent stream for one purpose (e.g. 'holder', 'background'), so that adding draws in one part of the
 * generator does not shift the numbers every other part sees for the same seed.
 */
export function randomFor(seed: number, purpose: string): SeededRandom {
  let h = 2166136261;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 16777619);
  return new SeededRandom((seed | 0) ^ h);
}

/** Default seed when a caller gives none. */
export const DEFAULT_SEED = 1;
