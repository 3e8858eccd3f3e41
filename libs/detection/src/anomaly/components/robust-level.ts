import { ShiftConfirmation } from './shift-confirmation';
import { abs, max, min } from '../math';

/** Points during which a level learns as a running mean, before its EWMA rates apply. */
const WARM_POINTS = 10;

/** Standard-deviation equivalent of a mean absolute deviation, for Gaussian noise. */
export const MEAN_ABS_TO_SD = 1.2533;

/**
 * A robust EWMA of a level and of the absolute deviation around it (a scale), for residuals of a
 * base forecast (0 for a flat series, the daily profile for a seasonal one). Residuals are clipped
 * at 3 scales before they move the level and at 4 before they move the scale, so a spike barely
 * shifts either; a level shift is instead confirmed and jumped to by a ShiftConfirmation.
 */
export class RobustLevel {
  level = 0;
  /** EWMA of |residual| (clipped). */
  meanAbs = 0;
  private slowMeanAbs = 0;
  private n = 0;
  private sinceShift = Infinity;
  private readonly shifts = new ShiftConfirmation();

  constructor(
    private readonly levelRate: number,
    private readonly scaleRate: number,
  ) {}

  get warm(): boolean {
    return this.n >= WARM_POINTS;
  }

  /** Standard-deviation equivalent of the mean absolute deviation, floored for constant series. */
  scale(reference: number): number {
    return floorScale(MEAN_ABS_TO_SD * this.meanAbs, reference);
  }

  /**
   * Learns from one residual (value minus base minus level, computed before this call), judged
   * against `scale` (this level's own, or a finer one such as the scale at this phase of day).
   * Returns the jump if a level shift was confirmed at this point, else 0.
   */
  learn(residual: number, scale: number): number {
    this.n++;
    if (this.n === 1) {
      this.level += residual;
      return 0;
    }
    if (!this.warm) {
      this.level += residual / this.n;
      this.meanAbs += (abs(residual) - this.meanAbs) / (this.n - 1);
      this.slowMeanAbs = this.meanAbs;
      return 0;
    }
    const jump = this.shifts.observe(residual, scale);
    const r = residual - jump;
    this.level += jump + this.levelRate * max(-3 * scale, min(3 * scale, r));
    // The clip is anchored on a slow, unclipped mean as well: clipping at a multiple of the scale
    // alone lets a sparse series (counts that are mostly zero) shrink its scale to nothing, since
    // its rare non-zero points are always clipped to a multiple of an ever smaller scale.
    const limit = 4 * MEAN_ABS_TO_SD * max(this.meanAbs, this.slowMeanAbs);
    // A new level often brings a new noise level (a Poisson rate four times higher is twice as
    // noisy): after a confirmed shift the scale is relearned as a running mean, as at the start.
    this.sinceShift = jump !== 0 ? 0 : this.sinceShift + 1;
    const rate = max(this.scaleRate, 1 / (this.sinceShift + 8));
    this.meanAbs += rate * (min(abs(r), limit) - this.meanAbs);
    this.slowMeanAbs += 0.1 * this.scaleRate * (abs(r) - this.slowMeanAbs);
    return jump;
  }

  /** After a long gap, pending shift evidence no longer describes consecutive points. */
  forgetRecent(): void {
    this.shifts.reset();
  }
}

/** A constant series has no noise; a floor relative to its value keeps z finite but huge. */
export function floorScale(scale: number, reference: number): number {
  return max(scale, 1e-9 * (1 + abs(reference)));
}
