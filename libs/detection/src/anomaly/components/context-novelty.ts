import { log2, max, min, sqrt } from '../math';
/**
 * Symbol boundaries on the normalised residual: nine levels, fine near zero so that the ordinary
 * states of a rhythmic series (a batch, the trickle between batches) land in distinct symbols even
 * when their residuals are within a scale or two of each other.
 */
const BOUNDARIES = [-3.5, -2, -1.2, -0.4, 0.4, 1.2, 2, 3.5];
const SYMBOLS = BOUNDARIES.length + 1;
/**
 * Pseudo-counts of the overall frequencies in each context's estimate: a context seen 80 times
 * without a "far above" (overall 0.6%) is no evidence that it forbids one, and with weak smoothing
 * it would claim exactly that.
 */
const SMOOTHING = 32;

function symbolOf(z: number): number {
  let s = 0;
  while (s < BOUNDARIES.length && z > BOUNDARIES[s]) s++;
  return s;
}

/**
 * The contextual model, in the spirit of NAB's ContextOSE: the recent past is discretised into a
 * context (the last `order` residuals quantised to nine levels), and each point is scored by how
 * novel its transition from that context is. The score is the surprise of the symbol given the
 * context beyond its surprise overall: log2 P(symbol) / P(symbol | context), from decayed
 * frequencies, the conditional one smoothed towards the overall one. A point that is rare anyway (a
 * spike) is the deviation test's business, not this one's; what this adds is a symbol made
 * unusual by its context: a jump in a series that normally moves smoothly, an alternation
 * (flapping) in one that does not alternate, a run of highs where highs come alone.
 *
 * The residuals are first whitened of their lag-1 autocorrelation (an online AR(1) fit): for a
 * series whose noise merely wanders (autocorrelated noise, a profile lagging a day-to-day drift),
 * "after two highs comes a high" is what correlation predicts and nothing a context model should
 * call structure, let alone novelty; a rhythm such as one batch every third point is not
 * AR(1)-predictable and survives whitening.
 *
 * The table is fixed: 9^order contexts x 9 symbols (729 cells for order 2), a perfect hash of the
 * context. Counts decay with a memory of `memory` points, lazily: a context's row is decayed when
 * it is next used, by the decay of all the points since it was last used, so each point costs one
 * row, not the table.
 */
export class ContextNovelty {
  private readonly counts: Float64Array;
  private readonly rowTotals: Float64Array;
  private readonly rowStamps: Float64Array;
  private readonly marginal = new Float64Array(SYMBOLS);
  private marginalTotal = 0;
  private readonly decay: number;
  private context = 0;
  private known = 0;
  private t = 0;
  private gain = 0;
  private readonly gainRate: number;
  private previous = 0;
  private lagProduct = 0;
  private square = 1;

  constructor(
    private readonly order = 2,
    memory = 2000,
  ) {
    const contexts = SYMBOLS ** order;
    this.counts = new Float64Array(contexts * SYMBOLS);
    this.rowTotals = new Float64Array(contexts);
    this.rowStamps = new Float64Array(contexts);
    this.decay = 1 - 1 / memory;
    this.gainRate = 2 / memory;
  }

  /**
   * Bits per point by which the contexts predict better than overall frequencies (a decayed mean
   * of log2 P(symbol | context) / P(symbol)): about 0 for white noise, where a context says nothing
   * and its "novelty" is noise about noise, high for a series with a rhythm.
   */
  get informationGain(): number {
    return this.gain;
  }

  /** Bits of surprise of this residual's symbol in its context beyond overall (>= 0); then learns. */
  update(z: number): number {
    const symbol = symbolOf(this.whiten(z));
    this.t++;
    const marginalP = (this.marginal[symbol] + 0.5) / (this.marginalTotal + 0.5 * SYMBOLS);
    let p = marginalP;
    if (this.known >= this.order) {
      const row = this.context;
      this.decayRow(row);
      const total = this.rowTotals[row];
      p = (this.counts[row * SYMBOLS + symbol] + SMOOTHING * marginalP) / (total + SMOOTHING);
      this.counts[row * SYMBOLS + symbol] += 1;
      this.rowTotals[row] = total + 1;
      this.gain += this.gainRate * (log2(p / marginalP) - this.gain);
    }
    for (let s = 0; s < SYMBOLS; s++) this.marginal[s] *= this.decay;
    this.marginal[symbol] += 1;
    this.marginalTotal = this.marginalTotal * this.decay + 1;
    this.context = (this.context * SYMBOLS + symbol) % SYMBOLS ** this.order;
    this.known = min(this.known + 1, this.order);
    return max(0, log2(marginalP / p));
  }

  /** After a long gap the last points are no context for the next one. */
  forgetRecent(): void {
    this.known = 0;
    this.context = 0;
    this.previous = 0;
  }

  /** z minus its AR(1) prediction, rescaled to unit variance. */
  private whiten(z: number): number {
    const y = max(-5, min(5, z));
    const phi = max(-0.95, min(0.95, this.lagProduct / this.square));
    const innovation = (z - phi * this.previous) / sqrt(1 - phi * phi);
    this.lagProduct += this.gainRate * (y * this.previous - this.lagProduct);
    this.square += this.gainRate * (y * y - this.square);
    this.previous = y;
    return innovation;
  }

  private decayRow(row: number): void {
    const elapsed = this.t - this.rowStamps[row];
    if (elapsed <= 0) return;
    const factor = this.decay ** elapsed;
    for (let s = 0; s < SYMBOLS; s++) this.counts[row * SYMBOLS + s] *= factor;
    this.rowTotals[row] *= factor;
    this.rowStamps[row] = this.t;
  }
}
