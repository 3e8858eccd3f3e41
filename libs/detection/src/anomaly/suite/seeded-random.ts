import { cos, exp, floor, imul, log, max, PI, round, sqrt } from '../math';
/**
 * A seeded PRNG for the labelled suite: mulberry32 (32-bit state), identical on every platform and
 * Node version, which is what a reproducible benchmark needs (Math.random cannot be seeded). The
 * detection lib may not import tools/, so this is a small copy of tools/demo/prng.ts's generator.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi]. */
  integer(lo: number, hi: number): number;
  /** Standard normal (Box-Muller, one value per call so draws stay in lockstep with the code). */
  normal(): number;
  /** Poisson with the given mean (Knuth for small means, a rounded normal above 30). */
  poisson(mean: number): number;
  /** -1 or +1 with equal odds. */
  sign(): number;
}

export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    const u1 = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
    const u2 = uniform();
    return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
  };
  return {
    uniform,
    normal,
    between: (lo, hi) => lo + (hi - lo) * uniform(),
    integer: (lo, hi) => lo + floor((hi - lo + 1) * uniform()),
    sign: () => (uniform() < 0.5 ? -1 : 1),
    poisson(mean) {
      if (mean <= 0) return 0;
      if (mean > 30) return max(0, round(mean + sqrt(mean) * normal()));
      const limit = exp(-mean);
      let k = 0;
      let product = uniform();
      while (product > limit) {
        k++;
        product *= uniform();
      }
      return k;
    },
  };
}
