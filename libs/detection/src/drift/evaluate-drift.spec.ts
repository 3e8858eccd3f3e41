import type { DriftReference } from '@keelson/schemas';
import { DriftWindow } from './drift-window';
import {
  driftLevel,
  evaluateDrift,
  type DriftEvaluation,
  type DriftVerdict,
} from './evaluate-drift';

/** Features that split training rows half and half around 0. */
function halvesReference(names: string[], withScore = false): DriftReference {
  const features: DriftReference['features'] = {};
  for (const name of names) {
    features[name] = { kind: 'number', edges: [0], shares: [0.5, 0.5], missing: 0 };
  }
  const score = { output: 'p', column: 0, edges: [0.5], shares: [0.5, 0.5], missing: 0, rows: 10 };
  return withScore ? { rows: 10, features, score } : { rows: 10, features };
}

/** 200 rows; `belowZero[name]` of them put that feature at or below 0, the rest above. */
function windowOf(reference: DriftReference, belowZero: Record<string, number>, rows = 200) {
  const window = new DriftWindow(reference);
  for (let i = 0; i < rows; i++) {
    window.add(
      Object.fromEntries(Object.keys(belowZero).map((n) => [n, i < belowZero[n] ? -1 : 1])),
    );
  }
  return window;
}

function judged(evaluation: DriftEvaluation): DriftVerdict {
  if (evaluation.verdict === 'insufficient') throw new Error('expected a verdict');
  return evaluation;
}

// PSI of a 50/50 reference against a window split p / (1 − p), by hand:
//   60/40: 0.1·ln(1.2) + 0.1·ln(1.25)        = 0.0405 ok
//   70/30: 0.2·ln(1.4) + 0.2·ln(5/3)          = 0.1695 warning
//   75/25: 0.25·ln(1.5) + 0.25·ln(2)          = 0.2747 critical
const PSI_60_40 = 0.1 * Math.log(1.2) + 0.1 * Math.log(1.25);
const PSI_70_30 = 0.2 * Math.log(1.4) + 0.2 * Math.log(5 / 3);
const PSI_75_25 = 0.25 * Math.log(1.5) + 0.25 * Math.log(2);

describe('driftLevel', () => {
  it('grades PSI at 0.1 (warning) and 0.25 (critical), inclusive', () => {
    const thresholds = { warning: 0.1, critical: 0.25 };
    expect(driftLevel(0.0999, thresholds)).toBe('ok');
    expect(driftLevel(0.1, thresholds)).toBe('warning');
    expect(driftLevel(0.2499, thresholds)).toBe('warning');
    expect(driftLevel(0.25, thresholds)).toBe('critical');
  });
});

describe('evaluateDrift', () => {
  it('declines to judge a window below the minimum sample size (default 200)', () => {
    const reference = halvesReference(['a']);
    const window = new DriftWindow(reference, { startedAt: new Date(0) });
    for (let i = 0; i < 199; i++) window.add({ a: 1 });
    expect(evaluateDrift(reference, window)).toEqual({
      verdict: 'insufficient',
      samples: 199,
      minSamples: 200,
      startedAt: new Date(0),
    });
    expect(evaluateDrift(reference, window, { minSamples: 100 }).verdict).toBe('critical');
  });

  it('grades each feature and names the drifted ones, highest PSI first', () => {
    const reference = halvesReference(['same', 'warned', 'broken', 'slight']);
    const window = windowOf(reference, { same: 100, warned: 140, broken: 150, slight: 120 });
    const result = judged(evaluateDrift(reference, window));
    expect(result.features.map((f) => [f.feature, f.level])).toEqual([
      ['same', 'ok'],
      ['warned', 'warning'],
      ['broken', 'critical'],
      ['slight', 'ok'],
    ]);
    expect(result.features[0].psi).toBe(0);
    expect(result.features[1].psi).toBeCloseTo(PSI_70_30, 12);
    expect(result.features[2].psi).toBeCloseTo(PSI_75_25, 12);
    expect(result.features[3].psi).toBeCloseTo(PSI_60_40, 12);
    expect(result.drifted.map((f) => f.feature)).toEqual(['broken', 'warned']);
    expect(result.verdict).toBe('critical');
    // 2 of 4 drifted: exactly half is dataset drift.
    expect(result.datasetDrift).toBe(true);
  });

  it('rounds half up for an odd feature count: 3 of 5 is dataset drift, 2 of 5 is not', () => {
    const reference = halvesReference(['a', 'b', 'c', 'd', 'e']);
    const two = windowOf(reference, { a: 150, b: 150, c: 100, d: 100, e: 100 });
    const three = windowOf(reference, { a: 150, b: 150, c: 140, d: 100, e: 100 });
    expect(judged(evaluateDrift(reference, two)).datasetDrift).toBe(false);
    expect(judged(evaluateDrift(reference, three)).datasetDrift).toBe(true);
  });

  it('uses configured thresholds', () => {
    const reference = halvesReference(['slight']);
    const window = windowOf(reference, { slight: 120 });
    expect(judged(evaluateDrift(reference, window)).verdict).toBe('ok');
    const strict = judged(evaluateDrift(reference, window, { warning: 0.04, critical: 0.3 }));
    expect(strict.verdict).toBe('warning');
    expect(strict.drifted).toHaveLength(1);
  });

  it('reports missing values and values of the wrong type per feature', () => {
    const reference = halvesReference(['a']);
    const window = new DriftWindow(reference);
    for (let i = 0; i < 200; i++) window.add({ a: i < 20 ? 'oops' : i < 30 ? null : i % 2 });
    const [feature] = judged(evaluateDrift(reference, window)).features;
    expect(feature.missingShare).toBeCloseTo(30 / 200, 15);
    expect(feature.invalid).toBe(20);
    // 15 % of rows in a bin the reference never saw: 0.15·ln(0.15/~1e-4) ≈ 1.1.
    expect(feature.level).toBe('critical');
  });

  it('judges the score once it has enough scores of its own', () => {
    const reference = halvesReference(['a'], true);
    const window = windowOf(reference, { a: 100 });
    for (let i = 0; i < 199; i++) window.addScore(0.9);
    const early = judged(evaluateDrift(reference, window));
    expect(early.score).toEqual({ output: 'p', column: 0, samples: 199, level: 'insufficient' });
    expect(early.verdict).toBe('ok');

    window.addScore(0.9);
    const later = judged(evaluateDrift(reference, window));
    expect(later.score).toMatchObject({ samples: 200, level: 'critical' });
    // The score does not count towards dataset drift, which is about features.
    expect(later.verdict).toBe('critical');
    expect(later.datasetDrift).toBe(false);
    expect(later.drifted).toEqual([]);
  });

  it('carries the unknown inputs the window saw', () => {
    const reference = halvesReference(['a']);
    const window = new DriftWindow(reference);
    for (let i = 0; i < 200; i++) window.add({ a: i % 2, b: 1 });
    expect(judged(evaluateDrift(reference, window)).unknownFeatures).toEqual({
      byName: { b: 200 },
      untracked: 0,
    });
  });

  it('refuses a window opened on another reference, and bad options', () => {
    const reference = halvesReference(['a']);
    const other = windowOf(halvesReference(['z']), { z: 100 });
    expect(() => evaluateDrift(reference, other)).toThrow(/not opened on this reference/);
    const window = windowOf(reference, { a: 100 });
    expect(() => evaluateDrift(reference, window, { minSamples: 0 })).toThrow(/minSamples/);
    expect(() => evaluateDrift(reference, window, { warning: 0.3, critical: 0.2 })).toThrow(
      /warning <= critical/,
    );
  });
});
