import { DailyProfile, DAY_MS } from './daily-profile';
import { floorScale, MEAN_ABS_TO_SD, RobustLevel } from './robust-level';
import { abs, floor, isNotANumber, log, max, min } from '../math';

export interface Forecast {
  /** What the active model expected for this point, from earlier points only. */
  expected: number;
  /** value - expected. */
  residual: number;
  /** Noise scale of the active model (a standard-deviation equivalent). */
  scale: number;
  /** Whether the daily-profile model made this forecast. */
  seasonal: boolean;
  /** The flat model's normalised residual. */
  flatZ: number;
  /** The daily-profile model's normalised residual, NaN until it has a profile for this phase. */
  seasonalZ: number;
  /** A level shift was confirmed at this point and absorbed into the level. */
  shifted: boolean;
}

export interface LevelForecasterOptions {
  /** EWMA weight of the flat level per point (default 0.05). */
  levelRate?: number;
  /** EWMA weight of the noise scales per point (default 0.01). */
  scaleRate?: number;
  /** Daily profile bins at most (default 96, i.e. 15 minutes). */
  maxBins?: number;
}

/**
 * Models are compared by their recent Laplace negative log-likelihood per point, log(scale) +
 * |residual| / scale (nats), not by their absolute error: a daily profile that forecasts no
 * better on average but knows that the noise is larger by day than by night (an error rate is a
 * count over a traffic volume that is eight times lower at night) makes calibrated residuals where
 * one global scale does not. The profile takes over 0.15 nats ahead (about a 15% smaller error at
 * equal calibration) and yields when its lead falls under 0.05.
 */
const SEASONAL_ON = -0.15;
const SEASONAL_OFF = -0.05;
const ERROR_RATE = 1 / 288;

function laplaceLoss(residual: number, scale: number): number {
  return log(scale) + min(abs(residual) / scale, 4);
}

/**
 * Two forecasts of the next point, and the one that has recently been the better: a flat robust
 * level, and a daily profile plus a robust offset. The profile is learned on every series, but
 * used only once a whole day is learned and its tracked likelihood is clearly above the flat model's,
 * i.e. when the series shows daily seasonality (of its level or of its noise). Both absorb confirmed level shifts (see
 * ShiftConfirmation), the profile model through its offset, so the day's shape survives a shift.
 */
export class LevelForecaster {
  private readonly flat: RobustLevel;
  private readonly offset: RobustLevel;
  private readonly maxBins: number;
  private profile: DailyProfile | null = null;
  private flatLoss = NaN;
  private seasonalLoss = NaN;
  private useSeasonal = false;

  constructor(options: LevelForecasterOptions = {}) {
    const scaleRate = options.scaleRate ?? 0.01;
    this.flat = new RobustLevel(options.levelRate ?? 0.05, scaleRate);
    this.offset = new RobustLevel(0.02, scaleRate);
    this.maxBins = options.maxBins ?? 96;
  }

  /**
   * Called once the sampling interval is known: a profile needs a few points per bin per day, so
   * a series sampled hourly or slower gets none (fewer than 12 bins would not be a daily shape).
   */
  enableSeasonality(intervalMs: number): void {
    if (this.profile || !(intervalMs > 0)) return;
    const bins = min(this.maxBins, floor(DAY_MS / (3 * intervalMs)));
    if (bins >= 12) this.profile = new DailyProfile(bins);
  }

  update(timestampMs: number, value: number): Forecast {
    const flatResidual = value - this.flat.level;
    const flatScale = this.flat.scale(value);
    const profile = this.profile;
    const base = profile ? profile.expected(timestampMs) : NaN;
    const hasBase = !isNotANumber(base);
    const seasonalResidual = value - base - this.offset.level;
    const seasonalScale = profile
      ? floorScale(MEAN_ABS_TO_SD * profile.spreadAt(timestampMs, this.offset.meanAbs), value)
      : NaN;
    const seasonalReady = profile !== null && profile.complete && this.offset.warm && hasBase;

    if (this.flat.warm) {
      const loss = laplaceLoss(flatResidual, flatScale);
      this.flatLoss = isNotANumber(this.flatLoss)
        ? loss
        : this.flatLoss + ERROR_RATE * (loss - this.flatLoss);
    }
    if (seasonalReady && !isNotANumber(this.flatLoss)) {
      const loss = laplaceLoss(seasonalResidual, seasonalScale);
      this.seasonalLoss = isNotANumber(this.seasonalLoss)
        ? this.flatLoss
        : this.seasonalLoss + ERROR_RATE * (loss - this.seasonalLoss);
      const lead = this.seasonalLoss - this.flatLoss;
      if (lead < SEASONAL_ON) this.useSeasonal = true;
      else if (lead > SEASONAL_OFF) this.useSeasonal = false;
    }
    const seasonal = this.useSeasonal && seasonalReady;

    const flatJump = this.flat.learn(flatResidual, flatScale);
    let seasonalJump = 0;
    if (profile) {
      if (hasBase) seasonalJump = this.offset.learn(seasonalResidual, seasonalScale);
      // A point far from the profile teaches it only up to 3 scales, so one day's incident does
      // not become part of the next day's normal; the offset, not the profile, carries shifts.
      const clip = hasBase && this.offset.warm && seasonalJump === 0;
      const limit = 3 * seasonalScale;
      const clipped = max(-limit, min(limit, seasonalResidual));
      const deshifted = clip ? base + clipped : value - this.offset.level;
      profile.add(timestampMs, deshifted, clip ? abs(clipped) : NaN);
    }
    const residual = seasonal ? seasonalResidual : flatResidual;
    return {
      expected: value - residual,
      residual,
      scale: seasonal ? seasonalScale : flatScale,
      seasonal,
      flatZ: flatResidual / flatScale,
      seasonalZ: seasonalReady ? seasonalResidual / seasonalScale : NaN,
      shifted: (seasonal ? seasonalJump : flatJump) !== 0,
    };
  }

  /** The flat model has a level and a scale: residuals before that mean nothing. */
  get warm(): boolean {
    return this.flat.warm;
  }

  forgetRecent(): void {
    this.flat.forgetRecent();
    this.offset.forgetRecent();
  }
}
