import { TailCalibrator } from './tail-calibrator';
import { max, min } from '../math';

/**
 * Anomaly-likelihood post-processing in the manner of Numenta's HTM detector (Ahmad et al., 2017):
 * the mean of the last `points` surprises, judged against the long-term distribution of that
 * mean. A point that is only mildly surprising on its own but one of a dozen such points in a row
 * is evidence that the series has changed; a single noisy point among calm ones moves the mean
 * little. And because the long-term distribution is the series' own, a series whose surprises run
 * high for a while (a noisy period) raises its own bar instead of storming.
 *
 * Fixed size: a ring of `points` numbers and a calibrator. The running sum is recomputed once per
 * ring length so rounding cannot drift.
 */
const CONTRIBUTION_CAP = 3;

export class EvidenceWindow {
  private readonly ring: Float64Array;
  private readonly calibrator: TailCalibrator;
  private head = 0;
  private count = 0;
  private sum = 0;
  private sinceRecompute = 0;

  constructor(points = 12, memory = 2000) {
    this.ring = new Float64Array(max(2, points));
    // Prior: the mean of a dozen surprises of calm points is about 0.5, its tail short.
    this.calibrator = new TailCalibrator(0.8, 0.25, memory);
  }

  /** Surprise (log10) of the recent mean surprise, including this point's; learns if asked. */
  update(pointSurprise: number, learn: boolean): number {
    // Capped at 1 in 1,000: one spike is its own point's business, and uncapped it would lift the
    // mean of the next dozen points and alarm again after it.
    const surprise = min(max(0, pointSurprise), CONTRIBUTION_CAP);
    const ring = this.ring;
    if (this.count === ring.length) this.sum -= ring[this.head];
    else this.count++;
    ring[this.head] = surprise;
    this.head = (this.head + 1) % ring.length;
    this.sum += surprise;
    if (++this.sinceRecompute >= ring.length) {
      this.sinceRecompute = 0;
      this.sum = ring.reduce((a, b) => a + b, 0);
    }
    const mean = this.sum / this.count;
    const result = this.calibrator.surprise(mean);
    if (learn) this.calibrator.learn(mean);
    return result;
  }

  /** The forecaster switched models: the surprises it averages come from a new source. */
  restart(): void {
    this.calibrator.restart();
  }

  forgetRecent(): void {
    this.ring.fill(0);
    this.count = 0;
    this.sum = 0;
    this.head = 0;
  }
}
