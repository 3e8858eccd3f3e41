// Helpers for the anomaly specs only (nothing in the lib imports this file): plain series built
// from the suite's seeded generator, and a measure of a detector's state size.
import { createSeededRandom } from './suite/seeded-random';

export const FIVE_MINUTES = 300_000;
export const DAY = 86_400_000;
/** A Monday, midnight UTC: phases of day start at 0. */
export const START = Date.UTC(2026, 0, 5);

export interface PlainSeries {
  timestamps: number[];
  values: number[];
}

/** `n` points every `intervalMs`, value = f(i, timestamp) + sigma * N(0, 1). */
export function series(
  n: number,
  f: (i: number, timestampMs: number) => number,
  options: { sigma?: number; seed?: number; intervalMs?: number } = {},
): PlainSeries {
  const random = createSeededRandom(options.seed ?? 1);
  const interval = options.intervalMs ?? FIVE_MINUTES;
  const timestamps = Array.from({ length: n }, (_, i) => START + i * interval);
  const values = timestamps.map((ts, i) => f(i, ts) + (options.sigma ?? 1) * random.normal());
  return { timestamps, values };
}

/** A daily cycle peaking at 14:00 UTC. */
export function daily(timestampMs: number, base: number, amplitude: number): number {
  const hour = (timestampMs % DAY) / 3_600_000;
  return base + amplitude * Math.cos((2 * Math.PI * (hour - 14)) / 24);
}

export function scoresOf(
  detector: { update(t: number, v: number): number },
  { timestamps, values }: PlainSeries,
): number[] {
  return values.map((v, i) => detector.update(timestamps[i], v));
}

/**
 * The numbers an object holds, counted through its fields: a typed array or array counts its
 * length. Equal counts after 1,000 and 100,000 points mean the state does not grow.
 */
export function stateSize(root: unknown): number {
  const seen = new WeakSet<object>();
  const visit = (x: unknown): number => {
    if (typeof x === 'number' || typeof x === 'boolean') return 1;
    if (x === null || typeof x !== 'object') return 0;
    if (seen.has(x)) return 0;
    seen.add(x);
    if (ArrayBuffer.isView(x)) return (x as unknown as ArrayLike<number>).length;
    if (x instanceof Set || x instanceof Map)
      return x.size + [...x.values()].reduce((a: number, v) => a + visit(v), 0);
    if (Array.isArray(x)) return x.length + x.reduce((a: number, v) => a + visit(v), 0);
    return Object.values(x as Record<string, unknown>).reduce((a: number, v) => a + visit(v), 0);
  };
  return visit(root);
}
