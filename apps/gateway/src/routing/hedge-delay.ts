import { LatencyWindow } from '@keelson/inference';
import type { HedgeAfter } from '../config';

/** How long a request waits for its first attempt before it is also sent to a second node. */
export interface HedgeDelay {
  /** Milliseconds after which a request still unanswered is hedged; undefined: no hedging. */
  current(): number | undefined;
  /** An attempt some node answered, and how long it took. */
  record(ms: number): void;
}

export interface AdaptiveSettings {
  /** Never hedge sooner than this: below it, a hedge costs more than the wait it saves. */
  floorMs: number;
  /** Never later than this; also the delay until the window holds enough answers. */
  ceilingMs: number;
}

/** Answers kept, and for how long: a second of steady traffic, or ten of a quiet gateway. */
const WINDOW_SIZE = 1_024;
const WINDOW_AGE_MS = 10_000;
/** Fewer answers than this say too little about the tail to hedge on. */
const MIN_SAMPLES = 20;
/** The p95 is sorted out of the window at most this often, not for every request. */
const REFRESH_MS = 100;
/** The tail that is hedged: with the delay at the p95, about one request in twenty. */
const QUANTILE = 'p95';

/**
 * The hedge delay that follows the pool: the p95 of the attempts it answered recently, across all
 * nodes, between a floor and a ceiling. Hedging at the p95 sends about 5 % of requests twice in
 * steady state (inside the default 10 % retry budget, leaving the rest for retries) and cuts the
 * tail a slow or hung node would cause. Only answers are counted, so a hung node's silence does
 * not drag the delay up while it is needed most; a pool that slows down as a whole raises it, so
 * it is not hedged harder just when it has least capacity to spare.
 */
export class AdaptiveHedgeDelay implements HedgeDelay {
  private readonly window = new LatencyWindow(WINDOW_SIZE, WINDOW_AGE_MS);
  private delay: number;
  private computedAt = -Infinity;

  constructor(
    private readonly settings: AdaptiveSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.delay = settings.ceilingMs;
  }

  current(): number {
    const now = this.now();
    if (now - this.computedAt < REFRESH_MS) return this.delay;
    this.computedAt = now;
    const figures = this.window.percentiles(now);
    const { floorMs, ceilingMs } = this.settings;
    this.delay =
      figures.count < MIN_SAMPLES
        ? ceilingMs
        : Math.min(ceilingMs, Math.max(floorMs, figures[QUANTILE]));
    return this.delay;
  }

  record(ms: number): void {
    this.window.record(ms, this.now());
  }
}

/** The hedging `GATEWAY_HEDGE_AFTER` asks for, with the attempt timeout bounding `auto`. */
export function hedgeDelayFor(
  after: HedgeAfter,
  attemptMs: number,
  now?: () => number,
): HedgeDelay {
  switch (after.mode) {
    case 'off':
      return { current: () => undefined, record: () => undefined };
    case 'fixed':
      return { current: () => after.ms, record: () => undefined };
    case 'auto':
      // Past half the attempt timeout a hedge would save little over the retry after it.
      return new AdaptiveHedgeDelay({ floorMs: 1, ceilingMs: attemptMs / 2 }, now);
  }
}
