import type { CategoryReference, DriftReference } from '@keelson/schemas';
import { DriftWindow, MAX_TRACKED_UNKNOWN_FEATURES } from './drift-window';

const reference: DriftReference = {
  rows: 100,
  features: {
    age: { kind: 'number', edges: [30, 50], shares: [0.3, 0.4, 0.2], missing: 0.1 },
    region: { kind: 'category', shares: { north: 0.5, south: 0.3 }, other: 0.2, missing: 0 },
  },
  score: {
    output: 'probabilities',
    column: 1,
    edges: [0.5],
    shares: [0.6, 0.4],
    missing: 0,
    rows: 50,
  },
};

describe('DriftWindow', () => {
  it('counts each row into the bins of its reference, with missing last', () => {
    const window = new DriftWindow(reference, { startedAt: new Date('2024-05-01T00:00:00Z') });
    window.add({ age: 30, region: 'north' }); // age bin 0: right-closed, 30 <= 30
    window.add({ age: 30.5, region: 'south' }); // age bin 1
    window.add({ age: 99, region: 'east' }); // age bin 2; east is not listed: other
    window.add({ age: null }); // age missing; region absent: missing
    expect(window.samples).toBe(4);
    expect(window.startedAt.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(window.featureCounts('age')).toEqual({
      expected: [0.3, 0.4, 0.2, 0.1],
      counts: [1, 1, 1, 1],
      invalid: 0,
    });
    expect(window.featureCounts('region')).toEqual({
      expected: [0.5, 0.3, 0.2, 0],
      counts: [1, 1, 1, 1],
      invalid: 0,
    });
  });

  it('counts a value of the wrong type as missing and as invalid, never drops it', () => {
    const window = new DriftWindow(reference);
    window.add({ age: 'forty', region: { name: 'north' } });
    window.add({ age: '42', region: 'north' }); // numeric text is a number
    expect(window.featureCounts('age')).toMatchObject({ counts: [0, 1, 0, 1], invalid: 1 });
    expect(window.featureCounts('region')).toMatchObject({ counts: [1, 0, 0, 1], invalid: 1 });
  });

  it('does not mistake Object.prototype members for listed categories or row values', () => {
    const listsOnlyA: CategoryReference = {
      kind: 'category',
      shares: { a: 1 },
      other: 0,
      missing: 0,
    };
    const window = new DriftWindow({ rows: 1, features: { constructor: listsOnlyA } });
    window.add({});
    window.add({ constructor: 'toString' });
    expect(window.featureCounts('constructor')?.counts).toEqual([0, 1, 1]);
  });

  it('reports inputs the reference does not know, by name up to a cap', () => {
    const window = new DriftWindow(reference);
    window.add({ age: 40, region: 'north', colour: 'red' });
    window.add({ age: 40, region: 'north', colour: 'blue' });
    for (let i = 0; i < MAX_TRACKED_UNKNOWN_FEATURES + 5; i++) window.add({ [`extra${i}`]: 1 });
    const unknown = window.unknownFeatures();
    expect(unknown.byName.colour).toBe(2);
    expect(Object.keys(unknown.byName)).toHaveLength(MAX_TRACKED_UNKNOWN_FEATURES);
    expect(unknown.untracked).toBe(6);
  });

  it('keeps only bin counts: memory does not grow with rows', () => {
    const window = new DriftWindow(reference);
    for (let i = 0; i < 10_000; i++) window.add({ age: i % 80, region: `r${i}` });
    expect(window.samples).toBe(10_000);
    expect(window.featureCounts('region')?.counts).toEqual([0, 0, 10_000, 0]);
  });

  it('counts scores apart from rows, with non-finite scores missing', () => {
    const window = new DriftWindow(reference);
    for (const score of [0.1, 0.5, 0.9, NaN, 'x']) window.addScore(score);
    expect(window.samples).toBe(0);
    expect(window.scoreSamples).toBe(5);
    expect(window.scoreCounts()).toEqual({
      expected: [0.6, 0.4, 0],
      counts: [2, 1, 2],
      invalid: 1,
    });
  });

  it('refuses a score when the reference has none', () => {
    const window = new DriftWindow({ ...reference, score: undefined });
    expect(window.scoreCounts()).toBeUndefined();
    expect(() => window.addScore(0.5)).toThrow(/no score distribution/);
  });

  it('refuses a reference whose bins do not line up', () => {
    const broken: DriftReference = {
      rows: 1,
      features: { x: { kind: 'number', edges: [1, 2], shares: [1], missing: 0 } },
    };
    expect(() => new DriftWindow(broken)).toThrow(/2 edges but 1 shares/);
    const unordered: DriftReference = {
      rows: 1,
      features: { x: { kind: 'number', edges: [2, 1], shares: [0.5, 0.5, 0], missing: 0 } },
    };
    expect(() => new DriftWindow(unordered)).toThrow(/strictly ascending/);
  });
});
