// Quantile binning of numbers. Bins are right-closed, as the stored reference defines: bin 0 holds
// values <= edges[0], bin i values in (edges[i-1], edges[i]], the last bin values > the last edge.
// That is numpy's `searchsorted(edges, x, side='left')` (or `digitize(x, edges, right=True)`).

/**
 * Interior edges for `bins` quantile bins of `sorted` (ascending, finite). Each candidate edge is
 * a training value: the inverted-CDF quantile at k/bins (the smallest value with at least k/bins
 * of the values at or below it). Repeated candidates are merged, and a candidate equal to the
 * maximum is dropped because the bin above it would be empty in training. So every bin holds
 * training values, edges are strictly ascending, and a feature with d distinct values gets at
 * most min(d, bins) bins: discrete and low-cardinality numbers bin cleanly.
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  }
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  const max = sorted[n - 1];
  for (let k = 1; k < bins; k++) {
    // ceil(k·n / bins) in exact integer terms: k·n stays far below 2^53 for any real training set.
    const candidate = sorted[Math.ceil((k * n) / bins) - 1];
    if (candidate >= max) break;
    if (edges.length === 0 || candidate > edges[edges.length - 1]) edges.push(candidate);
  }
  return edges;
}

/** The bin of `value` among `edges`: the first i with value <= edges[i], else edges.length. */
export function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value <= edges[middle]) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** How many of `sorted` (ascending) fall in each of the `edges.length + 1` bins. */
export function countSortedIntoBins(sorted: Float64Array, edges: readonly number[]): number[] {
  const counts: number[] = [];
  let below = 0;
  for (const edge of edges) {
    const atOrBelow = countAtOrBelow(sorted, edge);
    counts.push(atOrBelow - below);
    below = atOrBelow;
  }
  counts.push(sorted.length - below);
  return counts;
}

function countAtOrBelow(sorted: Float64Array, edge: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= edge) low = middle + 1;
    else high = middle;
  }
  return low;
}
