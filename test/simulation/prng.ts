// The simulator's one source of randomness: mulberry32, a 32-bit PRNG small enough to read and
// fast enough for thousands of runs. Everything a run decides at random comes from the Prng built
// from its seed, so the seed alone replays the run exactly.

export class Prng {
  private state: number;

  constructor(seed: number) {
    // Spread small consecutive seeds apart so seed 1 and seed 2 do not start alike.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A child generator: a sub-stream whose draws do not shift the parent's later draws. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296));
  }

  /** Bound for APIs that take a `() => number`. */
  get random(): () => number {
    return () => this.next();
  }
}
