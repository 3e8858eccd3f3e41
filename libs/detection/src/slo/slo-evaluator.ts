import {
  DEFAULT_BURN_RATE_RULES,
  burnRateRuleErrors,
  highestSloSeverity,
  type BurnRateRule,
  type SloSeverity,
} from './burn-rate-rules';
import { BucketedEventCounter, type EventCountResult } from './event-counter';

/**
 * Burn-rate alerting for one SLO: an availability objective (good = answered without error) or a
 * latency one (good = answered under the threshold; the caller decides which requests are good).
 *
 * Buckets: a tenth of the shortest window (30 s for the default rules), so no window is off by more
 * than a tenth; the ring spans the longest window (3 days: 8,641 buckets, about 207 KB). Scaled
 * windows keep that ratio until the bucket would be under 1 ms: from there the bucket stays at 1 ms
 * and a window shorter than a bucket is read as one bucket. The ring is also capped at
 * MAX_BUCKETS, widening the buckets, so rules with a very long window next to a very short one
 * cannot make it grow without bound.
 *
 * The error budget is reported over the longest window (3 days by default, scaled like the rest),
 * because that is all the ring remembers: consumed = bad events ÷ the bad events the objective
 * allows for that window's traffic. It is a rolling view, not a 30-day calendar budget.
 */
export interface SloEvaluatorSettings {
  /** Fraction of events that must be good, in (0, 1): 0.999 for three nines. */
  readonly objective: number;
  /** Defaults to the workbook's page/page/ticket set. */
  readonly rules?: readonly BurnRateRule[];
  /** Multiplies every window: 1 for real time, 0.001 turns an hour into 3.6 s for tests. */
  readonly windowScale?: number;
  /**
   * A window with fewer events has no burn rate, so its rules cannot fire. Default 1 (any traffic
   * counts); raise it for low-traffic models, where one failed request in a quiet hour would page.
   */
  readonly minEventsPerWindow?: number;
}

export interface WindowBurn {
  /** The window after scaling. */
  readonly windowMs: number;
  /** What the buckets actually cover: a whole number of them. */
  readonly coveredMs: number;
  readonly good: number;
  readonly total: number;
  /** Undefined when the window has fewer than `minEventsPerWindow` events. */
  readonly errorRatio: number | undefined;
  readonly burnRate: number | undefined;
}

export interface RuleEvaluation {
  readonly severity: SloSeverity;
  readonly burnRateThreshold: number;
  readonly long: WindowBurn;
  readonly short: WindowBurn;
  readonly firing: boolean;
}

export interface ErrorBudget {
  /** The window the budget is over: the longest rule window, scaled. */
  readonly periodMs: number;
  readonly badEvents: number;
  readonly allowedBadEvents: number;
  /** Fraction of the budget spent; above 1 when overspent, 0 without traffic. */
  readonly consumed: number;
  /** 1 − consumed: negative when overspent. */
  readonly remaining: number;
}

export interface SloEvaluation {
  readonly atMs: number;
  readonly objective: number;
  readonly windowScale: number;
  readonly bucketMs: number;
  /** Every distinct window the rules use, shortest first. */
  readonly windows: readonly WindowBurn[];
  readonly rules: readonly RuleEvaluation[];
  /** The rules that fire, with their windows and thresholds: the alert's evidence. */
  readonly firing: readonly RuleEvaluation[];
  readonly severity: SloSeverity | undefined;
  readonly budget: ErrorBudget;
}

const BUCKETS_PER_SHORTEST_WINDOW = 10;
const MIN_BUCKET_MS = 1;
const MAX_BUCKETS = 20_000;
/** 0.999 is not exact in binary: a 1.44% error ratio must not miss 14.4x by a rounding error. */
const BURN_RATE_TOLERANCE = 1e-9;

export class SloEvaluator {
  readonly objective: number;
  readonly windowScale: number;
  private readonly rules: readonly BurnRateRule[];
  private readonly minEventsPerWindow: number;
  private readonly counter: BucketedEventCounter;
  /** Distinct scaled windows, shortest first. */
  private readonly windowsMs: readonly number[];

  constructor(settings: SloEvaluatorSettings) {
    const { objective } = settings;
    if (!(objective > 0 && objective < 1)) {
      throw new RangeError(
        `SLO objective must be in (0, 1), got ${objective}: ` +
          'an objective of 1 leaves no error budget to burn, so every error would be an infinite burn rate',
      );
    }
    const windowScale = settings.windowScale ?? 1;
    if (!(windowScale > 0 && Number.isFinite(windowScale))) {
      throw new RangeError(`windowScale must be a finite number > 0, got ${windowScale}`);
    }
    const rules = settings.rules ?? DEFAULT_BURN_RATE_RULES;
    const ruleErrors = burnRateRuleErrors(rules);
    if (ruleErrors.length > 0) throw new RangeError(`invalid SLO rules: ${ruleErrors.join('; ')}`);
    const minEvents = settings.minEventsPerWindow ?? 1;
    if (!(minEvents >= 1)) {
      throw new RangeError(`minEventsPerWindow must be >= 1, got ${minEvents}`);
    }

    this.objective = objective;
    this.windowScale = windowScale;
    this.rules = rules;
    this.minEventsPerWindow = minEvents;
    const scaled = rules
      .flatMap((r) => [r.longWindowMs, r.shortWindowMs])
      .map((w) => w * windowScale);
    this.windowsMs = [...new Set(scaled)].sort((a, b) => a - b);
    const shortest = this.windowsMs[0];
    const longest = this.windowsMs[this.windowsMs.length - 1];
    this.counter = new BucketedEventCounter({
      bucketMs: bucketWidthFor(shortest, longest),
      spanMs: longest,
    });
  }

  get bucketMs(): number {
    return this.counter.bucketMs;
  }

  get bucketCount(): number {
    return this.counter.bucketCount;
  }

  /** Bytes the evaluator's ring holds: fixed at construction. */
  get memoryBytes(): number {
    return this.counter.memoryBytes;
  }

  /** Counts a delta: `good` of `total` events since the source's previous report. */
  add(timestampMs: number, good: number, total: number): EventCountResult {
    return this.counter.add(timestampMs, good, total);
  }

  evaluate(nowMs: number): SloEvaluation {
    const counts = this.counter.countsForWindows(this.windowsMs, nowMs);
    const windows = this.windowsMs.map((windowMs, i): WindowBurn => {
      const { good, total, bad } = counts[i];
      const errorRatio = total >= this.minEventsPerWindow ? bad / total : undefined;
      return {
        windowMs,
        coveredMs: this.counter.bucketsIn(windowMs) * this.counter.bucketMs,
        good,
        total,
        errorRatio,
        burnRate: errorRatio === undefined ? undefined : errorRatio / this.errorBudgetRatio,
      };
    });
    const windowOf = (nominalMs: number) =>
      windows[this.windowsMs.indexOf(nominalMs * this.windowScale)];
    const rules = this.rules.map((rule): RuleEvaluation => {
      const long = windowOf(rule.longWindowMs);
      const short = windowOf(rule.shortWindowMs);
      const atLeast = (burn: WindowBurn) =>
        burn.burnRate !== undefined && burn.burnRate >= rule.burnRate * (1 - BURN_RATE_TOLERANCE);
      return {
        severity: rule.severity,
        burnRateThreshold: rule.burnRate,
        long,
        short,
        firing: atLeast(long) && atLeast(short),
      };
    });
    const firing = rules.filter((r) => r.firing);
    return {
      atMs: nowMs,
      objective: this.objective,
      windowScale: this.windowScale,
      bucketMs: this.counter.bucketMs,
      windows,
      rules,
      firing,
      severity: highestSloSeverity(firing.map((r) => r.severity)),
      budget: this.budget(windows[windows.length - 1]),
    };
  }

  /** The fraction of events allowed to be bad. */
  private get errorBudgetRatio(): number {
    return 1 - this.objective;
  }

  private budget(longest: WindowBurn): ErrorBudget {
    const badEvents = longest.total - longest.good;
    const allowedBadEvents = longest.total * this.errorBudgetRatio;
    const consumed = allowedBadEvents > 0 ? badEvents / allowedBadEvents : 0;
    return {
      periodMs: longest.windowMs,
      badEvents,
      allowedBadEvents,
      consumed,
      remaining: 1 - consumed,
    };
  }
}

/** A tenth of the shortest window, at least 1 ms, and wide enough to cap the ring's length. */
function bucketWidthFor(shortestMs: number, longestMs: number): number {
  const fine = Math.max(MIN_BUCKET_MS, Math.round(shortestMs / BUCKETS_PER_SHORTEST_WINDOW));
  return Math.max(fine, Math.ceil(longestMs / MAX_BUCKETS));
}
