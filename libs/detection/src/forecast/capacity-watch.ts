import { HoltForecaster, type HoltForecasterSettings } from './holt-forecaster';

/**
 * Decides, for one saturation series (a node's queue depth against its capacity, a stream's
 * consumer backlog against its limit), when to raise and clear `alert.capacity.forecast`.
 *
 * It fires when even the LOW edge of the prediction interval reaches the limit within the horizon,
 * for `fireAfterUpdates` consecutive updates. The low edge makes a noisy series earn its alert (the
 * line has to clear the noise, not just touch it); the short confirmation guards against the one
 * update where a burst tilts the trend. It clears only when the POINT forecast stays below the limit
 * minus a margin across the whole horizon for `clearAfterUpdates` consecutive updates, so the gap
 * between the two conditions is the hysteresis that keeps a ramp hovering near the threshold from
 * flapping.
 *
 * A series whose smoothed level is already at or above the limit is overloaded, not forecast to
 * be: that is reported as `overloaded` (for the caller's overload alert) and counts neither towards
 * firing nor towards clearing. A forecast alert already raised stays raised through an overload.
 */
export interface CapacityWatchSettings {
  /** The level the series must not reach: queue capacity, backlog limit. Must be > 0. */
  readonly limit: number;
  /** How far ahead to look; also the span of the evidence points. */
  readonly horizonMs: number;
  /** Consecutive updates with a breach ahead before the alert fires. Default 3. */
  readonly fireAfterUpdates?: number;
  /** Consecutive updates with the forecast safely below before it clears. Default 5. */
  readonly clearAfterUpdates?: number;
  /** "Safely below" means below limit × (1 − this). Default 0.05. */
  readonly clearMarginFraction?: number;
  /** Points before any decision: the trend starts flat and needs a few to mean anything. Default 10. */
  readonly minPoints?: number;
  /** Forecast points across the horizon in the evidence. Default 5. */
  readonly evidenceSteps?: number;
  /** Smoothing; defaults scale with the horizon (see `defaultForecasterSettings`). */
  readonly forecaster?: Partial<HoltForecasterSettings>;
}

/** What the series looks like at this update, before hysteresis. */
export type CapacityOutlook = 'warming-up' | 'safe' | 'uncertain' | 'breach-ahead' | 'overloaded';

export interface CapacityForecastPoint {
  /** Milliseconds after the last point. */
  readonly afterMs: number;
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** The forecast as the alert carries it. */
export interface CapacityForecastEvidence {
  readonly limit: number;
  readonly horizonMs: number;
  /** Timestamp of the last point: "now" for the forecast. */
  readonly atMs: number;
  readonly observed: number;
  readonly level: number;
  readonly trendPerSecond: number;
  /**
   * Ms from now until the point forecast reaches the limit: 0 if it already has, undefined if the
   * trend is flat or falling. Not capped at the horizon.
   */
  readonly etaMs: number | undefined;
  /** The same for the high edge of the interval: the soonest the limit is plausibly reached. */
  readonly earliestEtaMs: number | undefined;
  /** The same for the low edge: undefined when the interval is too wide to be sure it ever is. */
  readonly latestEtaMs: number | undefined;
  readonly points: readonly CapacityForecastPoint[];
}

export interface CapacityVerdict {
  /** False when the point was dropped (out of order, not finite); nothing else changed then. */
  readonly accepted: boolean;
  readonly firing: boolean;
  /** Set on the update that raises or clears the alert, so the caller publishes once. */
  readonly change: 'fired' | 'cleared' | 'none';
  readonly outlook: CapacityOutlook;
  readonly overloaded: boolean;
  /** Undefined while warming up. */
  readonly evidence: CapacityForecastEvidence | undefined;
}

/**
 * Smoothing that suits a horizon: the level follows within a thirtieth of it, the trend and the
 * error scale remember about a fifth of it. A trend steadier than the horizon it extrapolates over
 * would miss ramps; a jumpier one would extrapolate noise.
 */
export function defaultForecasterSettings(horizonMs: number): HoltForecasterSettings {
  return {
    levelHalfLifeMs: horizonMs / 30,
    trendHalfLifeMs: horizonMs / 5,
    errorHalfLifeMs: horizonMs / 5,
  };
}

export class CapacityWatch {
  private readonly forecaster: HoltForecaster;
  private readonly fireAfterUpdates: number;
  private readonly clearAfterUpdates: number;
  private readonly safeBelow: number;
  private readonly minPoints: number;
  private readonly evidenceSteps: number;
  private lastObserved = 0;
  private breachStreak = 0;
  private safeStreak = 0;
  private isFiring = false;
  private lastVerdict: CapacityVerdict | undefined;

  constructor(private readonly settings: CapacityWatchSettings) {
    if (!(settings.limit > 0 && Number.isFinite(settings.limit))) {
      throw new RangeError(`limit must be a finite number > 0: got ${settings.limit}`);
    }
    if (!(settings.horizonMs > 0 && Number.isFinite(settings.horizonMs))) {
      throw new RangeError(`horizonMs must be a finite number > 0: got ${settings.horizonMs}`);
    }
    this.fireAfterUpdates = positiveInteger('fireAfterUpdates', settings.fireAfterUpdates ?? 3);
    this.clearAfterUpdates = positiveInteger('clearAfterUpdates', settings.clearAfterUpdates ?? 5);
    this.minPoints = positiveInteger('minPoints', settings.minPoints ?? 10);
    this.evidenceSteps = positiveInteger('evidenceSteps', settings.evidenceSteps ?? 5);
    const margin = settings.clearMarginFraction ?? 0.05;
    if (!(margin >= 0 && margin < 1)) {
      throw new RangeError(`clearMarginFraction must be in [0, 1): got ${margin}`);
    }
    this.safeBelow = settings.limit * (1 - margin);
    this.forecaster = new HoltForecaster({
      ...defaultForecasterSettings(settings.horizonMs),
      ...settings.forecaster,
    });
  }

  get firing(): boolean {
    return this.isFiring;
  }

  update(timestampMs: number, value: number): CapacityVerdict {
    if (!this.forecaster.update(timestampMs, value)) {
      return { ...this.currentVerdict(), accepted: false, change: 'none' };
    }
    this.lastObserved = value;
    const outlook = this.outlook();
    this.breachStreak = outlook === 'breach-ahead' ? this.breachStreak + 1 : 0;
    this.safeStreak = outlook === 'safe' ? this.safeStreak + 1 : 0;

    let change: CapacityVerdict['change'] = 'none';
    if (!this.isFiring && this.breachStreak >= this.fireAfterUpdates) {
      this.isFiring = true;
      change = 'fired';
    } else if (this.isFiring && this.safeStreak >= this.clearAfterUpdates) {
      this.isFiring = false;
      change = 'cleared';
    }
    this.lastVerdict = {
      accepted: true,
      firing: this.isFiring,
      change,
      outlook,
      overloaded: outlook === 'overloaded',
      evidence: outlook === 'warming-up' ? undefined : this.evidence(),
    };
    return this.lastVerdict;
  }

  private outlook(): CapacityOutlook {
    const state = this.forecaster.state();
    if (state.points < this.minPoints) return 'warming-up';
    const { limit, horizonMs } = this.settings;
    if (state.level >= limit) return 'overloaded';
    // The low edge is a climbing line minus a widening band, so it can rise and fall again inside
    // the horizon: ask when it first reaches the limit rather than only looking at the far end.
    const lowReachesMs = this.forecaster.timeToReachMs(limit, 'low');
    if (lowReachesMs !== undefined && lowReachesMs <= horizonMs) return 'breach-ahead';
    const atHorizon = this.forecaster.forecast(horizonMs);
    if (atHorizon && Math.max(state.level, atHorizon.value) < this.safeBelow) return 'safe';
    return 'uncertain';
  }

  private evidence(): CapacityForecastEvidence {
    const { limit, horizonMs } = this.settings;
    const state = this.forecaster.state();
    const points: CapacityForecastPoint[] = [];
    for (let step = 1; step <= this.evidenceSteps; step++) {
      const afterMs = (horizonMs * step) / this.evidenceSteps;
      const forecast = this.forecaster.forecast(afterMs);
      if (forecast) points.push({ afterMs, ...forecast });
    }
    return {
      limit,
      horizonMs,
      atMs: state.lastTimestampMs ?? 0,
      observed: this.lastObserved,
      level: state.level,
      trendPerSecond: state.trendPerMs * 1000,
      etaMs: this.forecaster.timeToReachMs(limit, 'value'),
      earliestEtaMs: this.forecaster.timeToReachMs(limit, 'high'),
      latestEtaMs: this.forecaster.timeToReachMs(limit, 'low'),
      points,
    };
  }

  private currentVerdict(): CapacityVerdict {
    return (
      this.lastVerdict ?? {
        accepted: false,
        firing: false,
        change: 'none',
        outlook: 'warming-up',
        overloaded: false,
        evidence: undefined,
      }
    );
  }
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive integer: got ${value}`);
  }
  return value;
}
