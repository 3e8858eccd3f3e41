import type { DatasetDefinition } from '@keelson/schemas';
import { applyTransform } from './apply-transform';
import {
  emptyStats,
  MAX_TRACKED_CATEGORIES,
  mergeStats,
  missingRate,
  statsOf,
  stdOf,
  type NumericStats,
  type CategoryStats,
} from './feature-stats';
import { fitTransform, needsRefit, UNKNOWN_CATEGORY } from './transform-spec';

const dataset: DatasetDefinition = {
  name: 'credit',
  version: 3,
  label: 'default',
  fields: {
    age: { type: 'integer' },
    income: { type: 'number', required: false },
    employment: { type: 'category', required: false },
    vip: { type: 'boolean' },
    default: { type: 'boolean' },
  },
};

function record(i: number) {
  return {
    age: 20 + (i % 50),
    income: i % 10 === 0 ? null : 1e5 + i * 37.5,
    employment: i % 7 === 0 ? null : ['salaried', 'salaried', 'retired', 'student'][i % 4],
    vip: i % 3 === 0,
    default: i % 5 === 0,
  };
}
const records = Array.from({ length: 1_000 }, (_, i) => record(i));

describe('feature statistics', () => {
  it('computes count, missing, mean and variance like the two-pass formulas', () => {
    const stats = statsOf(dataset, records);
    const incomes = records.map((r) => r.income).filter((x): x is number => x !== null);
    const mean = incomes.reduce((a, b) => a + b, 0) / incomes.length;
    const variance = incomes.reduce((a, b) => a + (b - mean) ** 2, 0) / incomes.length;
    const income = stats.fields.income as NumericStats;
    expect(income.count).toBe(900);
    expect(income.missing).toBe(100);
    expect(income.mean).toBeCloseTo(mean, 6);
    expect(stdOf(income) ** 2).toBeCloseTo(variance, 3);
    expect(missingRate(income)).toBeCloseTo(0.1);
    expect((stats.fields.employment as CategoryStats).counts).toEqual({
      salaried: 429,
      retired: 214,
      student: 214,
    });
    expect((stats.fields.vip as NumericStats).mean).toBeCloseTo(334 / 1000);
  });

  it('merges batch summaries exactly as if counted at once, in any order', () => {
    const whole = statsOf(dataset, records);
    const parts = [records.slice(0, 1), records.slice(1, 333), records.slice(333)].map((p) =>
      statsOf(dataset, p),
    );
    const merged = parts.reduceRight((acc, p) => mergeStats(p, acc), emptyStats(dataset));
    const a = whole.fields.income as NumericStats;
    const b = merged.fields.income as NumericStats;
    expect(merged.records).toBe(1000);
    expect([b.count, b.missing, b.min, b.max]).toEqual([a.count, a.missing, a.min, a.max]);
    expect(b.mean).toBeCloseTo(a.mean, 8);
    expect(b.m2 / a.m2).toBeCloseTo(1, 10);
    expect(merged.fields.employment).toEqual(whole.fields.employment);
  });

  it('leaves the record key out and bounds the values tracked per category', () => {
    const keyed = {
      ...dataset,
      key: 'id',
      fields: { id: { type: 'category' as const }, ...dataset.fields },
    };
    expect(Object.keys(statsOf(keyed, records).fields)).not.toContain('id');
    const open = { fields: { c: { type: 'category' as const } } };
    const many = statsOf(
      open,
      Array.from({ length: MAX_TRACKED_CATEGORIES + 10 }, (_, i) => ({ c: `v${i}` })),
    );
    const c = many.fields.c as CategoryStats;
    expect([Object.keys(c.counts).length, c.overflow, c.count]).toEqual([
      MAX_TRACKED_CATEGORIES,
      10,
      MAX_TRACKED_CATEGORIES + 10,
    ]);
    const merged = mergeStats(many, statsOf(open, [{ c: 'v0' }, { c: 'new' }])).fields
      .c as CategoryStats;
    expect([merged.counts.v0, merged.counts.new, merged.overflow]).toEqual([2, undefined, 11]);
  });

  it('counts any category text as a plain key, prototype names included', () => {
    const open = { fields: { c: { type: 'category' as const } } };
    const stats = statsOf(
      open,
      ['constructor', 'toString', '__proto__', '__proto__'].map((c) => ({ c })),
    );
    const stored = JSON.parse(JSON.stringify(stats));
    const merged = mergeStats(stored, statsOf(open, [{ c: 'constructor' }])).fields
      .c as CategoryStats;
    expect(Object.entries(merged.counts)).toEqual([
      ['constructor', 2],
      ['toString', 1],
      ['__proto__', 2],
    ]);
  });

  it('keeps a field named like an Object method apart from Object.prototype', () => {
    const name: string = 'constructor';
    const schema = { fields: { [name]: { type: 'number' as const } } };
    const some = statsOf(schema, [{ [name]: 3 }, {}]);
    expect(some.fields[name]).toMatchObject({ count: 1, missing: 1, mean: 3 });
    const merged = mergeStats(some, { records: 0, fields: {} }).fields[name] as NumericStats;
    expect(merged).toMatchObject({ count: 1, mean: 3, min: 3, max: 3 });
  });

  it('keeps min and max through a JSON round trip of a field with no values yet', () => {
    const schema = { fields: { x: { type: 'number' as const, required: false } } };
    const empty = JSON.parse(JSON.stringify(statsOf(schema, [{ x: null }])));
    const merged = mergeStats(empty, statsOf(schema, [{ x: 5 }, { x: 7 }])).fields
      .x as NumericStats;
    expect([merged.min, merged.max, merged.count, merged.missing]).toEqual([5, 7, 2, 1]);
    const reversed = mergeStats(statsOf(schema, [{ x: 5 }]), empty).fields.x as NumericStats;
    expect([reversed.min, reversed.max]).toEqual([5, 5]);
  });

  it('stays accurate for large-mean values such as timestamps', () => {
    const ts = {
      name: 't',
      version: 1,
      label: 'y',
      fields: { at: { type: 'timestamp' as const }, y: { type: 'boolean' as const } },
    };
    const stats = statsOf(
      ts,
      [0, 1, 2, 3].map((d) => ({ at: new Date(Date.UTC(2026, 0, 1 + d)).toISOString(), y: true })),
    );
    expect(stdOf(stats.fields.at as NumericStats)).toBeCloseTo(Math.sqrt(1.25), 9);
  });
});

describe('transform spec', () => {
  const spec = fitTransform(dataset, statsOf(dataset, records), 1);

  it('names every output column, with an unknown slot per category, and leaves the label out', () => {
    expect(spec.featureNames).toEqual([
      'age',
      'income',
      'employment=salaried',
      'employment=retired',
      'employment=student',
      `employment=${UNKNOWN_CATEGORY}`,
      'vip',
    ]);
    expect(spec).toMatchObject({
      dataset: 'credit',
      version: 1,
      schemaVersion: 3,
      fittedOnRecords: 1000,
      label: { field: 'default', kind: 'binary', positive: true },
    });
  });

  it('imputes, standardises and one-hot encodes, sending unseen and missing categories to the unknown slot', () => {
    const income = spec.features[1];
    if (income.kind !== 'numeric') throw new Error('income should be numeric');
    const row = applyTransform(spec, {
      age: 45,
      income: null,
      employment: 'astronaut',
      vip: true,
      default: true,
    });
    expect(row.features).toHaveLength(spec.featureNames.length);
    expect(row.features[1]).toBe(0); // imputed with the mean, so standardised to 0
    expect(row.features.slice(2, 6)).toEqual([0, 0, 0, 1]);
    expect(applyTransform(spec, { ...record(1), employment: null }).features.slice(2, 6)).toEqual([
      0, 0, 0, 1,
    ]);
    expect(applyTransform(spec, record(2)).features.slice(2, 6)).toEqual([0, 1, 0, 0]);
    expect(row.label).toBe(1);
    // Standardised training columns have mean ~0 and std ~1.
    const ages = records.map((r) => applyTransform(spec, r).features[0]);
    const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
    expect(Math.abs(mean)).toBeLessThan(1e-9);
    expect(Math.sqrt(ages.reduce((a, b) => a + (b - mean) ** 2, 0) / ages.length)).toBeCloseTo(
      1,
      9,
    );
  });

  it('never uses the record key as a feature', () => {
    const keyed = fitTransform(
      { ...dataset, key: 'id', fields: { id: { type: 'category' }, ...dataset.fields } },
      statsOf(dataset, records),
      1,
    );
    expect(keyed.featureNames).toEqual(spec.featureNames);
  });

  it('survives a JSON round trip unchanged (it is stored and shipped)', () => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('refits when the data seen doubles', () => {
    expect(needsRefit(undefined, 1)).toBe(true);
    expect(needsRefit({ fittedOnRecords: 100 }, 199)).toBe(false);
    expect(needsRefit({ fittedOnRecords: 100 }, 200)).toBe(true);
  });

  it('encodes a two-valued category label as binary and a wider one as classes', () => {
    const two = fitTransform(
      {
        ...dataset,
        label: 'employment',
        fields: { ...dataset.fields, employment: { type: 'category', values: ['yes', 'no'] } },
      },
      statsOf(dataset, []),
      1,
    );
    expect(two.label).toEqual({ field: 'employment', kind: 'binary', positive: 'yes' });
    const many = fitTransform({ ...dataset, label: 'employment' }, statsOf(dataset, records), 1);
    expect(many.label).toEqual({
      field: 'employment',
      kind: 'multiclass',
      classes: ['retired', 'salaried', 'student'],
    });
    expect(applyTransform(many, { employment: 'student' }).label).toBe(2);
  });
});
