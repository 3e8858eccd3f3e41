import { SamplingInterval } from './sampling-interval';
import { isFiniteNumber, isNotANumber } from '../math';

export interface ClockReading {
  /** The timestamp to use: never earlier than the previous one. */
  timestampMs: number;
  /** The gap since the previous point was more than `gapIntervals` typical intervals. */
  afterGap: boolean;
}

/**
 * Time as the detector sees it. Out-of-order, repeated or non-finite timestamps are treated as
 * arriving at the previous timestamp (the value still counts; phases of day never run backwards),
 * and the typical sampling interval is inferred from the gaps, so that a long gap can be told
 * from the usual spacing.
 */
export class SeriesClock {
  private readonly interval = new SamplingInterval();
  private last = NaN;

  constructor(private readonly gapIntervals: number) {}

  /** The typical gap between points in milliseconds, NaN until a few gaps were seen. */
  get typicalMs(): number {
    return this.interval.typicalMs;
  }

  read(timestampMs: number): ClockReading {
    const previous = this.last;
    const usable = isFiniteNumber(timestampMs) && !(timestampMs < previous);
    const timestamp = usable ? timestampMs : isNotANumber(previous) ? 0 : previous;
    let afterGap = false;
    if (!isNotANumber(previous)) {
      const gap = timestamp - previous;
      const typical = this.interval.typicalMs;
      afterGap = typical > 0 && gap > this.gapIntervals * typical;
      this.interval.observe(gap);
    }
    this.last = timestamp;
    return { timestampMs: timestamp, afterGap };
  }
}
