/**
 * mulberry32: a 32-bit state PRNG. Not cryptographic, but fast, tiny and identical on every platform
 * and Node version, which is what a reproducible dataset needs (Math.random cannot be seeded).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    uniform: next,
    // Box-Muller, one value per call: caching the pair would make a row's draws depend on how many
    // normals the previous row used, which is harder to reason about when the model changes.
    normal() {
      const u1 = 1 - next(); // (0, 1]: log(0) would be -Infinity
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
  };
}
