/**
 * One figure across the pool (each node's error rate, say), sorted once per scoring tick, with
 * the median and robust spread of every node's peers: the pool without that node. Computing them
 * this way costs O(log n) per node for the median instead of copying and sorting the peers for
 * each node, which at 200 nodes twice a second was most of monitoring's garbage.
 */
export class PeerValues {
  private readonly sorted: Float64Array;

  constructor(values: Iterable<number | undefined>) {
    const finite: number[] = [];
    for (const v of values) if (v !== undefined && Number.isFinite(v)) finite.push(v);
    this.sorted = Float64Array.from(finite).sort();
  }

  get size(): number {
    return this.sorted.length;
  }

  /** How many values the peers of a node holding `own` have (undefined: the node has none). */
  peers(own?: number): number {
    return this.sorted.length - (this.indexOf(own) >= 0 ? 1 : 0);
  }

  /** The median without one instance of `own` (all values when the node has none); NaN if empty. */
  median(own?: number): number {
    const skip = this.indexOf(own);
    const m = this.sorted.length - (skip >= 0 ? 1 : 0);
    if (m === 0) return NaN;
    const at = (j: number) => this.sorted[skip >= 0 && j >= skip ? j + 1 : j];
    return m % 2 === 1 ? at((m - 1) / 2) : (at(m / 2 - 1) + at(m / 2)) / 2;
  }

  /** 1.4826 × the median absolute deviation of the peers: a standard deviation robust to outliers. */
  scaledMad(own?: number): number {
    const skip = this.indexOf(own);
    const centre = this.median(own);
    if (Number.isNaN(centre)) return NaN;
    const deviations = scratch(this.sorted.length);
    let m = 0;
    for (let j = 0; j < this.sorted.length; j++)
      if (j !== skip) deviations[m++] = Math.abs(this.sorted[j] - centre);
    const view = deviations.subarray(0, m).sort();
    const mid = m >> 1;
    return 1.4826 * (m % 2 === 1 ? view[mid] : (view[mid - 1] + view[mid]) / 2);
  }

  private indexOf(value?: number): number {
    if (value === undefined || !Number.isFinite(value)) return -1;
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else if (this.sorted[mid] > value) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}

let buffer = new Float64Array(256);
/** One reused buffer for the deviations: scoring runs on one thread, one call at a time. */
function scratch(size: number): Float64Array {
  if (buffer.length < size) buffer = new Float64Array(size * 2);
  return buffer;
}
