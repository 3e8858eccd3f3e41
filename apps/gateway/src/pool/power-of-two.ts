export interface Choice {
  /** Requests this gateway has outstanding on the node. */
  readonly outstanding: number;
  /** Relative share of traffic (the routing entry's weight); 1 by default. */
  readonly weight: number;
}

/**
 * Power of two choices: draw two distinct candidates at random (in proportion to their weights)
 * and take the one with fewer outstanding requests. Nearly as good as always picking the least
 * loaded node, without every gateway herding onto the same one (Mitzenmacher, 2001).
 */
export function pickPowerOfTwo<T extends Choice>(
  candidates: readonly T[],
  random: () => number = Math.random,
): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  const first = weightedIndex(candidates, -1, random);
  const second = weightedIndex(candidates, first, random);
  const a = candidates[first];
  const b = candidates[second];
  // Compare load per unit of weight, so a node with twice the weight may carry twice the work.
  return b.outstanding / b.weight < a.outstanding / a.weight ? b : a;
}

/** A random index drawn in proportion to weight, never `skip`. */
function weightedIndex(candidates: readonly Choice[], skip: number, random: () => number): number {
  let total = 0;
  for (let i = 0; i < candidates.length; i++) if (i !== skip) total += candidates[i].weight;
  let point = random() * total;
  let last = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (i === skip) continue;
    last = i;
    point -= candidates[i].weight;
    if (point < 0) return i;
  }
  return last; // rounding left a sliver past the end
}
