/**
 * The PSI figures, checked against an independent numpy implementation (psi_reference.py): the
 * same bins must give the same PSI to 1e-9, values must fall in the same bins as numpy's
 * searchsorted(side='left') puts them, and the quantile edges must be numpy's inverted-CDF
 * quantiles. Python with numpy comes from tools/test/ensure-tritonclient.sh; when it cannot be
 * set up the test fails, it never skips.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CategoryReference, NumericReference } from '@keelson/schemas';
import {
  buildDriftReference,
  DEFAULT_PSI_EPSILON,
  DriftWindow,
  psi,
  type FeatureKind,
} from '../src/drift';

const TOLERANCE = 1e-9;

/** A deterministic stand-in for a standard normal draw (the classic sine hash, Box–Muller). */
function normals(count: number, seed: number): number[] {
  const uniform = (i: number) => {
    const x = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    return x - Math.floor(x);
  };
  return Array.from(
    { length: count },
    (_, i) =>
      Math.sqrt(-2 * Math.log(1 - uniform(2 * i))) * Math.cos(2 * Math.PI * uniform(2 * i + 1)),
  );
}

interface BinnedCase {
  name: string;
  kind: FeatureKind;
  training: unknown[];
  live: unknown[];
  bins?: number;
  epsilon?: number;
}

interface ArrayCase {
  name: string;
  expected: number[];
  actual: number[];
  epsilon?: number;
}

const continuous = normals(5_000, 1).map((z) => 50 + 10 * z);
const binnedCases: BinnedCase[] = [
  {
    name: 'continuous, shifted, with missing and mistyped values the reference never had',
    kind: 'number',
    training: continuous,
    live: [...normals(800, 2).map((z) => 55 + 10 * z), null, NaN, 'n/a', '61.5', true],
  },
  {
    name: 'continuous, live traffic crowded into two bins (the others empty)',
    kind: 'number',
    training: continuous,
    live: normals(400, 3).map((z) => 49 + 0.1 * z),
    bins: 20,
  },
  {
    name: 'discrete, live values exactly on the edges',
    kind: 'number',
    training: Array.from({ length: 1_000 }, (_, i) => [0, 1, 1, 2, 3, 3, 3, 5][i % 8]),
    live: Array.from({ length: 300 }, (_, i) => [0, 1, 2, 3, 5, 5, 8, -1][i % 8]),
  },
  {
    name: 'zero-inflated with missing training values',
    kind: 'number',
    training: Array.from({ length: 2_000 }, (_, i) => (i % 10 < 6 ? 0 : i % 17 === 0 ? null : i)),
    live: Array.from({ length: 500 }, (_, i) => (i % 10 < 3 ? 0 : i * 4)),
    epsilon: 1e-6,
  },
  {
    name: 'categories with a long tail, unseen categories and one listed category absent live',
    kind: 'category',
    training: Array.from({ length: 3_000 }, (_, i) =>
      i % 3 === 0 ? 'basic' : i % 5 === 0 ? 'pro' : i % 7 === 0 ? null : `legacy-${i % 97}`,
    ),
    live: Array.from({ length: 600 }, (_, i) =>
      i % 2 === 0 ? 'basic' : i % 11 === 0 ? '' : `legacy-${i % 131}`,
    ),
  },
  {
    name: 'booleans as categories, one side missing a value',
    kind: 'category',
    training: Array.from({ length: 100 }, (_, i) => i % 4 !== 0),
    live: Array.from({ length: 250 }, (_, i) => (i % 50 === 0 ? null : true)),
  },
];

const arrayCases: ArrayCase[] = [
  { name: 'shares, no empty bin', expected: [0.1, 0.2, 0.3, 0.4], actual: [0.25, 0.25, 0.3, 0.2] },
  { name: 'one-sided empty bins', expected: [0.5, 0.5, 0, 0], actual: [0.5, 0.4, 0.1, 0] },
  { name: 'empty bins on each side', expected: [3, 0, 5, 2, 0], actual: [0, 4, 5, 0, 0] },
  { name: 'counts, small epsilon', expected: [10, 0, 90], actual: [1, 1, 1], epsilon: 1e-8 },
  { name: 'identical', expected: [1, 2, 3], actual: [2, 4, 6] },
];

interface PythonResult {
  name: string;
  psi?: number;
  edges?: number[];
  trainingShares?: number[];
  liveCounts?: number[];
  liveInvalid?: number;
  psiFromOwnBins?: number;
}

interface Computed {
  binnedCase: BinnedCase;
  expected: number[];
  counts: number[];
  invalid: number;
  psi: number;
  edges?: number[];
  categories?: string[];
}

/** Bins and PSI of a case with the TypeScript code under test. */
function computeInTypeScript(binnedCase: BinnedCase): Computed {
  const reference = buildDriftReference(
    { features: { f: { kind: binnedCase.kind, values: binnedCase.training } } },
    { bins: binnedCase.bins },
  );
  const window = new DriftWindow(reference);
  for (const value of binnedCase.live) window.add({ f: value });
  const observed = window.featureCounts('f')!;
  const feature = reference.features.f;
  const value = psi(observed.expected, observed.counts, { epsilon: binnedCase.epsilon });
  return {
    binnedCase,
    expected: [...observed.expected],
    counts: [...observed.counts],
    invalid: observed.invalid,
    psi: value,
    ...(feature.kind === 'number'
      ? { edges: (feature as NumericReference).edges }
      : { categories: Object.keys((feature as CategoryReference).shares) }),
  };
}

function runPython(python: string, cases: unknown[]): PythonResult[] {
  const run = spawnSync(python, [join(__dirname, 'psi_reference.py')], {
    input: JSON.stringify({ cases }),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`psi_reference.py exited ${run.status}:\n${run.stderr}`);
  }
  return (JSON.parse(run.stdout) as { results: PythonResult[] }).results;
}

describe('PSI against an independent numpy implementation', () => {
  let python: string;
  let computed: Computed[];
  let fromPython: Map<string, PythonResult>;

  beforeAll(() => {
    const ensured = spawnSync(
      'bash',
      [join(__dirname, '../../../tools/test/ensure-tritonclient.sh')],
      {
        encoding: 'utf8',
        timeout: 540_000,
      },
    );
    if (ensured.status !== 0) {
      throw new Error(
        `Python with numpy is required and could not be set up ` +
          `(ensure-tritonclient.sh exited ${ensured.status}):\n${ensured.stderr}`,
      );
    }
    python = ensured.stdout.trim().split('\n').at(-1)!;

    computed = binnedCases.map(computeInTypeScript);
    const cases = [
      // The PSI of the TypeScript bins, and numpy's own binning of the same values.
      ...computed.map((c) => ({
        name: c.binnedCase.name,
        epsilon: c.binnedCase.epsilon ?? DEFAULT_PSI_EPSILON,
        expected: c.expected,
        actual: c.counts,
        binning: c.edges
          ? {
              kind: 'number',
              edges: c.edges,
              bins: c.binnedCase.bins ?? 10,
              training: c.binnedCase.training,
              live: c.binnedCase.live,
            }
          : {
              kind: 'category',
              categories: c.categories,
              training: c.binnedCase.training,
              live: c.binnedCase.live,
            },
      })),
      ...arrayCases.map((c) => ({ ...c, epsilon: c.epsilon ?? DEFAULT_PSI_EPSILON })),
    ];
    fromPython = new Map(runPython(python, cases).map((result) => [result.name, result]));
  }, 600_000);

  it.each(binnedCases.map((c) => c.name))('%s: same PSI from the same bins', (name) => {
    const ours = computed.find((c) => c.binnedCase.name === name)!;
    const theirs = fromPython.get(name)!;
    expect(ours.psi).toBeGreaterThan(0);
    expect(Math.abs(ours.psi - theirs.psi!)).toBeLessThan(TOLERANCE);
  });

  it.each(binnedCases.map((c) => c.name))('%s: same bins from the same values', (name) => {
    const ours = computed.find((c) => c.binnedCase.name === name)!;
    const theirs = fromPython.get(name)!;
    expect(theirs.liveCounts).toEqual(ours.counts);
    expect(theirs.liveInvalid).toBe(ours.invalid);
    expect(theirs.trainingShares).toHaveLength(ours.expected.length);
    theirs.trainingShares!.forEach((share, i) =>
      expect(Math.abs(share - ours.expected[i])).toBeLessThan(TOLERANCE),
    );
    expect(Math.abs(theirs.psiFromOwnBins! - ours.psi)).toBeLessThan(TOLERANCE);
    if (ours.edges) expect(theirs.edges).toEqual(ours.edges);
  });

  it('puts some empty bins into the checks', () => {
    const emptyLive = computed.filter((c) => c.counts.some((count) => count === 0));
    const emptyReference = computed.filter((c) =>
      c.expected.some((share, i) => share === 0 && c.counts[i] > 0),
    );
    expect(emptyLive.length).toBeGreaterThanOrEqual(3);
    expect(emptyReference.length).toBeGreaterThanOrEqual(2);
  });

  it.each(arrayCases.map((c) => c.name))('%s: same PSI from given shares or counts', (name) => {
    const arrayCase = arrayCases.find((c) => c.name === name)!;
    const ours = psi(arrayCase.expected, arrayCase.actual, { epsilon: arrayCase.epsilon });
    expect(Math.abs(ours - fromPython.get(name)!.psi!)).toBeLessThan(TOLERANCE);
  });
});
