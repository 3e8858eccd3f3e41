import type { SeededRandom } from './seeded-random';
import { ceil, cos, exp, floor, log, max, min, PI, round, sqrt } from '../math';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export type BackgroundName =
  | 'flat'
  | 'seasonal'
  | 'requests'
  | 'errors'
  | 'latency'
  | 'dead-letters'
  | 'ingest'
  | 'batches'
  | 'rejections';

/**
 * The normal behaviour of one kind of series. Anomalies edit `signal` (and the noise factor) before
 * any value is drawn, so an injected shape interacts with the noise the way a real incident does:
 * an outage of a request rate keeps Poisson noise, a latency degradation keeps its heavy tail.
 */
export interface Background {
  name: BackgroundName;
  /** The noiseless signal at each point. */
  signal: Float64Array;
  /** Whether incidents scale this series (rates, latencies) rather than add to it. */
  multiplicative: boolean;
  /** Typical size of the noise in value units, so additive anomalies are sized against it. */
  noiseSigma: number;
  /** Draws the observed value; called for i = 0 .. n-1 in order (AR noise keeps state). */
  observe(i: number, signal: number, noiseFactor: number): number;
}

export function hourOfDay(timestampMs: number): number {
  return (((timestampMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** The batch producer's slots: every third 5-minute point. */
export function isBatchSlot(timestampMs: number): boolean {
  return floor(timestampMs / (5 * MINUTE_MS)) % 3 === 0;
}

const logistic = (x: number): number => 1 / (1 + exp(-x));

/** Business-hours load in [0.12, 1]: low at night, up from 07:30, a lunch dip, down after 21:30. */
export function workdayLoad(hour: number): number {
  const on = logistic((hour - 7.5) / 0.8) * logistic((21.5 - hour) / 1.2);
  const lunch = 1 - 0.1 * exp(-(((hour - 13) / 0.7) ** 2));
  return 0.12 + 0.88 * on * lunch;
}

/** Unit-variance AR(1) noise: real 5-minute aggregates are mildly autocorrelated, not i.i.d. */
function arNoise(random: SeededRandom, phi: number): () => number {
  let state = random.normal();
  const innovation = sqrt(1 - phi * phi);
  return () => {
    state = phi * state + innovation * random.normal();
    return state;
  };
}

/** A slowly varying day-to-day factor (traffic is never identical two days running). */
function dailyDrift(random: SeededRandom, timestamps: readonly number[], spread: number) {
  const days = ceil((timestamps[timestamps.length - 1] - timestamps[0]) / DAY_MS) + 2;
  const factors = Array.from({ length: days }, () => 1 + spread * random.normal());
  return (ts: number): number => {
    const day = (ts - timestamps[0]) / DAY_MS;
    const d = floor(day);
    return factors[d] + (factors[d + 1] - factors[d]) * (day - d);
  };
}

function fill(timestamps: readonly number[], f: (ts: number) => number): Float64Array {
  return Float64Array.from(timestamps, f);
}

export function createBackground(
  name: BackgroundName,
  timestamps: readonly number[],
  random: SeededRandom,
): Background {
  switch (name) {
    case 'flat': {
      const level = 100 * random.between(0.5, 2);
      const sigma = 0.05 * level;
      const noise = arNoise(random, 0.3);
      return {
        name,
        signal: fill(timestamps, () => level),
        multiplicative: false,
        noiseSigma: sigma,
        observe: (_i, s, f) => s + sigma * f * noise(),
      };
    }
    case 'seasonal': {
      const base = 200 * random.between(0.5, 2);
      const amplitude = base * random.between(0.3, 0.5);
      const peak = random.between(12, 18);
      const sigma = 0.03 * base;
      const noise = arNoise(random, 0.3);
      const harmonic = (h: number) =>
        cos((2 * PI * (h - peak)) / 24) + 0.3 * cos((4 * PI * (h - peak)) / 24);
      return {
        name,
        signal: fill(timestamps, (ts) => base + amplitude * harmonic(hourOfDay(ts))),
        multiplicative: false,
        noiseSigma: sigma,
        observe: (_i, s, f) => s + sigma * f * noise(),
      };
    }
    case 'requests':
    case 'ingest': {
      // Requests per second over 5 minutes: Poisson counts plus bursty clients (AR lognormal).
      const peak = random.between(200, 800);
      const jitter = name === 'ingest' ? 0.08 : 0.03;
      const drift = dailyDrift(random, timestamps, 0.04);
      const noise = arNoise(random, 0.5);
      return {
        name,
        signal: fill(timestamps, (ts) => peak * workdayLoad(hourOfDay(ts)) * drift(ts)),
        multiplicative: true,
        noiseSigma: jitter * peak * 0.5,
        observe: (_i, s, f) => random.poisson(max(0, s) * 300 * exp(jitter * f * noise())) / 300,
      };
    }
    case 'errors':
    case 'rejections': {
      // A failure fraction of a traffic count: near zero, quantised, noisier at night.
      const traffic = random.between(20, 60) * 300;
      const rate = name === 'errors' ? random.between(0.0005, 0.002) : random.between(0.003, 0.01);
      const drift = dailyDrift(random, timestamps, 0.05);
      const counts = fill(timestamps, (ts) => traffic * workdayLoad(hourOfDay(ts)) * drift(ts));
      return {
        name,
        signal: fill(timestamps, () => rate),
        multiplicative: true,
        noiseSigma: sqrt(rate / traffic),
        observe: (i, s) => {
          const n = max(1, round(counts[i]));
          return random.poisson(min(1, s) * n) / n;
        },
      };
    }
    case 'latency': {
      // p99 in ms: rises with load, lognormal noise and a heavy tail of ordinary slow windows (GC,
      // cold caches) that are not incidents: a detector has to learn that tail, not alarm on it.
      const base = random.between(80, 300);
      const noise = arNoise(random, 0.4);
      return {
        name,
        signal: fill(timestamps, (ts) => base * (1 + 0.3 * workdayLoad(hourOfDay(ts)))),
        multiplicative: true,
        noiseSigma: 0.08 * base,
        observe: (_i, s, f) => {
          const tail = random.uniform() < 0.015 ? 1 - 0.6 * log(1 - random.uniform()) : 1;
          return s * exp(0.08 * f * noise()) * tail;
        },
      };
    }
    case 'batches': {
      // A producer that pushes one batch every 15 minutes and trickles in between: at 5-minute
      // points a rhythm of one high and two low, which only a model of the context can expect.
      const batch = random.between(5, 20);
      const trickle = batch * random.between(0.03, 0.08);
      const noise = arNoise(random, 0.2);
      return {
        name,
        signal: fill(timestamps, (ts) => (isBatchSlot(ts) ? batch : trickle)),
        multiplicative: true,
        noiseSigma: 0.1 * batch,
        observe: (_i, s, f) => random.poisson(max(0, s) * 300 * exp(0.1 * f * noise())) / 300,
      };
    }
    case 'dead-letters': {
      // Dead-lettered events per 5 minutes: mostly zero, now and then one or two.
      const mean = random.between(0.1, 0.4);
      return {
        name,
        signal: fill(timestamps, () => mean),
        multiplicative: true,
        noiseSigma: sqrt(mean),
        observe: (_i, s) => random.poisson(s),
      };
    }
  }
}
