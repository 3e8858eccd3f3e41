import { createSeededRandom } from '../anomaly/suite/seeded-random';
/**
 * Seeded series for the forecast specs: the same numbers on every run, so a test that asserts a
 * lead time asserts it for a known series and never flakes.
 */

/** Uniform draws in [0, 1): the lib's one seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  return createSeededRandom(seed).uniform;
}

/** Standard normal draws by Box–Muller. */
export function seededNormal(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => {
    const u = Math.max(uniform(), Number.MIN_VALUE);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

export interface SeriesSpec {
  readonly untilMs: number;
  /** The noiseless shape at a time. */
  readonly shape: (timestampMs: number) => number;
  readonly noiseSigma?: number;
  /** Gap before the next point; a constant or a function of a uniform draw in [0, 1). */
  readonly gapMs: number | ((uniform: number) => number);
  readonly seed?: number;
}

export type Point = readonly [timestampMs: number, value: number];

export function sampleSeries(spec: SeriesSpec): Point[] {
  const seed = spec.seed ?? 1;
  const normal = seededNormal(seed);
  const uniform = seededRandom(seed + 1);
  const points: Point[] = [];
  for (let t = 0; t <= spec.untilMs;) {
    points.push([t, spec.shape(t) + (spec.noiseSigma ?? 0) * normal()]);
    t += typeof spec.gapMs === 'number' ? spec.gapMs : spec.gapMs(uniform());
  }
  return points;
}
