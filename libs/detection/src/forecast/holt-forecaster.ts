import {
  holtErrorCovariance,
  lineErrorVariance,
  type HoltErrorCovariance,
} from './holt-error-covariance';

/**
 * Streaming Holt's linear (double exponential) smoothing on time, for one series whose points may
 * arrive at irregular intervals. State is a handful of numbers and each point costs O(1), so one
 * forecaster per series (node queue depth, consumer backlog per stream) can run indefinitely.
 *
 * Smoothing is set as half-lives in milliseconds rather than per-point alpha/beta: for a gap `dt`
 * the weight is 1 − 2^(−dt / halfLife), which is what a fixed alpha would be at that sampling
 * interval, so a late point moves the level more than an early one and the settings mean the same
 * at any sampling rate.
 *
 * The one-step errors are clipped at `clipAtSigmas` robust standard deviations before they move the
 * level and trend (Huber-style robust smoothing, after Gelper, Fried and Croux 2010), so a single
 * spike barely bends the trend. The scale itself learns from the unclipped errors: a real level
 * shift widens it within a few points and the level then follows.
 */
export interface HoltForecasterSettings {
  /** After this long a point's weight in the level has halved. */
  readonly levelHalfLifeMs: number;
  /** After this long a slope's weight in the trend has halved; longer is steadier but slower. */
  readonly trendHalfLifeMs: number;
  /** Memory of the error scale and of the typical gap between points. */
  readonly errorHalfLifeMs: number;
  /** Half-width of the prediction interval in standard deviations (1.96: 95% two-sided). */
  readonly intervalZ?: number;
  /** Errors beyond this many standard deviations are clipped before they update level and trend. */
  readonly clipAtSigmas?: number;
}

/** A forecast `horizonMs` after the last point: the point forecast and its prediction interval. */
export interface HoltForecast {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** Everything the forecaster keeps: a fixed set of numbers, whatever the number of points. */
export interface HoltState {
  readonly points: number;
  readonly lastTimestampMs: number | undefined;
  readonly level: number;
  readonly trendPerMs: number;
  readonly meanAbsError: number;
  readonly typicalGapMs: number;
}

const DEFAULT_INTERVAL_Z = 1.96;
const DEFAULT_CLIP_AT_SIGMAS = 3;
/** For normal errors, σ ≈ 1.2533 × mean absolute error: a scale one outlier cannot blow up. */
const SIGMA_PER_MEAN_ABS_ERROR = Math.sqrt(Math.PI / 2);
/** The error scale needs a few points before it is a fair yardstick for clipping. */
const POINTS_BEFORE_CLIPPING = 5;
/** Keeps per-step weights strictly inside (0, 1) when a gap is tiny or huge next to a half-life. */
const WEIGHT_EPSILON = 1e-9;

export class HoltForecaster {
  private readonly intervalZ: number;
  private readonly clipAtSigmas: number;
  private points = 0;
  private lastTimestampMs: number | undefined;
  private level = 0;
  private trendPerMs = 0;
  private meanAbsError = 0;
  private typicalGapMs = 0;
  private covariance: { gapMs: number; value: HoltErrorCovariance } | undefined;

  constructor(private readonly settings: HoltForecasterSettings) {
    for (const key of ['levelHalfLifeMs', 'trendHalfLifeMs', 'errorHalfLifeMs'] as const) {
      if (!(settings[key] > 0 && Number.isFinite(settings[key]))) {
        throw new RangeError(`${key} must be a finite number > 0: got ${settings[key]}`);
      }
    }
    this.intervalZ = settings.intervalZ ?? DEFAULT_INTERVAL_Z;
    this.clipAtSigmas = settings.clipAtSigmas ?? DEFAULT_CLIP_AT_SIGMAS;
    if (!(this.intervalZ >= 0) || !(this.clipAtSigmas > 0)) {
      throw new RangeError('intervalZ must be >= 0 and clipAtSigmas > 0');
    }
  }

  /**
   * Feeds one point. Returns false, changing nothing, for a non-finite value or a timestamp not
   * after the last accepted one: a streaming smoother cannot rewind, and a late duplicate carries
   * no new information about the trend.
   */
  update(timestampMs: number, value: number): boolean {
    if (!Number.isFinite(timestampMs) || !Number.isFinite(value)) return false;
    if (this.lastTimestampMs === undefined) {
      // The trend starts flat rather than at the first difference: a noisy first slope would be a
      // false ramp, and starting flat only delays a real one by about a trend half-life.
      this.level = value;
      this.trendPerMs = 0;
      this.lastTimestampMs = timestampMs;
      this.points = 1;
      return true;
    }
    const gapMs = timestampMs - this.lastTimestampMs;
    if (!(gapMs > 0)) return false;

    const levelWeight = weightFor(gapMs, this.settings.levelHalfLifeMs);
    const trendWeight = weightFor(gapMs, this.settings.trendHalfLifeMs);
    const errorWeight = weightFor(gapMs, this.settings.errorHalfLifeMs);
    const predicted = this.level + this.trendPerMs * gapMs;
    const error = value - predicted;
    const nextLevel = predicted + levelWeight * this.clip(error);
    this.trendPerMs += trendWeight * ((nextLevel - this.level) / gapMs - this.trendPerMs);
    this.level = nextLevel;
    if (this.points === 1) {
      this.meanAbsError = Math.abs(error);
      this.typicalGapMs = gapMs;
    } else {
      this.meanAbsError += errorWeight * (Math.abs(error) - this.meanAbsError);
      this.typicalGapMs += errorWeight * (gapMs - this.typicalGapMs);
    }
    this.lastTimestampMs = timestampMs;
    this.points += 1;
    return true;
  }

  /**
   * The forecast `horizonMs` after the last point with its prediction interval (see
   * `squaredHalfWidth`), or undefined before any point.
   */
  forecast(horizonMs: number): HoltForecast | undefined {
    if (this.lastTimestampMs === undefined) return undefined;
    const value = this.level + this.trendPerMs * horizonMs;
    const { constant, linear, quadratic } = this.squaredHalfWidth();
    const h = Math.max(0, horizonMs);
    const halfWidth = Math.sqrt(constant + linear * h + quadratic * h * h);
    return { value, low: value - halfWidth, high: value + halfWidth };
  }

  /**
   * How long after the last point the forecast's `bound` first reaches `threshold`: 0 if it
   * already has, undefined if it never does (a flat or falling trend, or a low edge that widens
   * faster than the line climbs). It is not limited to a horizon: callers compare.
   */
  timeToReachMs(threshold: number, bound: keyof HoltForecast): number | undefined {
    const now = this.forecast(0);
    if (now === undefined) return undefined;
    if (now[bound] >= threshold) return 0;
    const offset = this.level - threshold; // negative on the 'value' path: checked just above
    if (bound === 'value') return this.trendPerMs > 0 ? -offset / this.trendPerMs : undefined;
    // bound(h) = threshold  ⇔  offset + trend·h = ±halfWidth(h). Squaring leaves a quadratic in h
    // whose roots are where the low edge (left side >= 0) or the high edge (<= 0) meets it.
    const { constant, linear, quadratic } = this.squaredHalfWidth();
    const roots = quadraticRoots(
      this.trendPerMs ** 2 - quadratic,
      2 * this.trendPerMs * offset - linear,
      offset ** 2 - constant,
    );
    const lineMinusThreshold = (h: number) => offset + this.trendPerMs * h;
    const onBound = (h: number) =>
      bound === 'low' ? lineMinusThreshold(h) >= 0 : lineMinusThreshold(h) <= 0;
    const crossings = roots.filter((h) => h > 0 && onBound(h));
    return crossings.length > 0 ? Math.min(...crossings) : undefined;
  }

  /** Robust standard deviation of the one-step errors. */
  get errorSigma(): number {
    return SIGMA_PER_MEAN_ABS_ERROR * this.meanAbsError;
  }

  state(): HoltState {
    return {
      points: this.points,
      lastTimestampMs: this.lastTimestampMs,
      level: this.level,
      trendPerMs: this.trendPerMs,
      meanAbsError: this.meanAbsError,
      typicalGapMs: this.typicalGapMs,
    };
  }

  /**
   * The squared half-width of the prediction interval as a quadratic in the horizon h (ms):
   * constant + linear·h + quadratic·h². The interval is for a future observation: the noise of one
   * point plus the uncertainty of the fitted line, which grows with the horizon (see
   * holt-error-covariance.ts). It assumes the typical gap between points, so with very irregular
   * sampling it is an approximation.
   */
  private squaredHalfWidth(): { constant: number; linear: number; quadratic: number } {
    if (this.points < 2) return { constant: 0, linear: 0, quadratic: 0 };
    const covariance = this.covarianceAtTypicalGap();
    // One-step errors mix the noise of a point with the error of the line; take the latter out.
    const noiseVariance = this.errorSigma ** 2 / (1 + lineErrorVariance(covariance, 1));
    const scale = this.intervalZ ** 2 * noiseVariance;
    const gap = this.typicalGapMs;
    return {
      constant: scale * (1 + covariance.level),
      linear: (scale * 2 * covariance.levelTrend) / gap,
      quadratic: (scale * covariance.trend) / (gap * gap),
    };
  }

  private clip(error: number): number {
    if (this.points < POINTS_BEFORE_CLIPPING || this.meanAbsError === 0) return error;
    const bound = this.clipAtSigmas * this.errorSigma;
    return Math.max(-bound, Math.min(bound, error));
  }

  private covarianceAtTypicalGap(): HoltErrorCovariance {
    if (this.covariance?.gapMs !== this.typicalGapMs) {
      const value = holtErrorCovariance(
        weightFor(this.typicalGapMs, this.settings.levelHalfLifeMs),
        weightFor(this.typicalGapMs, this.settings.trendHalfLifeMs),
      );
      this.covariance = { gapMs: this.typicalGapMs, value };
    }
    return this.covariance.value;
  }
}

/** The smoothing weight a point gets after a gap, given the half-life of what it updates. */
function weightFor(gapMs: number, halfLifeMs: number): number {
  const weight = 1 - Math.pow(2, -gapMs / halfLifeMs);
  return Math.min(1 - WEIGHT_EPSILON, Math.max(WEIGHT_EPSILON, weight));
}

/** Real roots of a·x² + b·x + c = 0 (the linear case when a is 0). */
function quadraticRoots(a: number, b: number, c: number): number[] {
  if (a === 0) return b === 0 ? [] : [-c / b];
  let discriminant = b * b - 4 * a * c;
  // A tangent (a zero-width interval) can round to a hair below zero: it is still one root.
  if (discriminant < 0 && discriminant > -1e-12 * b * b) discriminant = 0;
  if (discriminant < 0) return [];
  // The stable form: no cancellation when b² dwarfs 4ac, as it does for a slow ramp.
  const q = -0.5 * (b + (b < 0 ? -1 : 1) * Math.sqrt(discriminant));
  return q === 0 ? [0] : [q / a, c / q];
}
