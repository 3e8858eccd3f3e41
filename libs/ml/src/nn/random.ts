/**
 * A seeded source of randomness for training: weight initialisation, shuffles and splits. Math.random
 * cannot be seeded, and a model must be reproducible from its seed on any machine and Node version,
 * so this is mulberry32 (32-bit state, integer arithmetic only, hence the same stream everywhere).
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal() {
      const u1 = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform());
    },
    below: (n) => Math.floor(uniform() * n),
  };
}

/** Fisher-Yates shuffle of the first `length` entries, in place. */
export function shuffleInPlace(
  values: Int32Array,
  random: Random,
  length: number = values.length,
): void {
  for (let i = length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
}
