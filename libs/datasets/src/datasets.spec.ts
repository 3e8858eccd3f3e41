import type { DatasetSchemaBody } from '@keelson/schemas';
import { breakingChanges, sameSchema } from './compatibility';
import { compileRecordValidator, contentId } from './record-validator';
import { checkDatasetSchema } from './schema-rules';

const credit: DatasetSchemaBody = {
  label: 'default',
  key: 'id',
  fields: {
    id: { type: 'category' },
    age: { type: 'integer', min: 18, max: 120 },
    income: { type: 'number', required: false, min: 0 },
    employment: { type: 'category', required: false, values: ['salaried', 'self_employed'] },
    opened: { type: 'timestamp', required: false },
    default: { type: 'boolean' },
  },
};
const validate = compileRecordValidator(credit);
const good = {
  id: 'c-1',
  age: 40,
  income: 52_000.5,
  employment: 'salaried',
  opened: '2024-03-01T10:00:00Z',
  default: false,
};

describe('record validation', () => {
  it('accepts a valid record, keyed by the producer key, with missing optionals as null', () => {
    expect(validate(good)).toEqual({
      ok: true,
      recordId: 'c-1',
      values: { ...good, opened: '2024-03-01T10:00:00.000Z' },
    });
    expect(validate({ id: 'c-2', age: 30, default: true })).toEqual({
      ok: true,
      recordId: 'c-2',
      values: { id: 'c-2', age: 30, income: null, employment: null, opened: null, default: true },
    });
  });

  it.each([
    [
      'wrong type',
      { ...good, age: '40' },
      { field: 'age', reason: 'must be an integer, not text' },
    ],
    [
      'fraction for an integer',
      { ...good, age: 40.5 },
      { field: 'age', reason: 'must be an integer' },
    ],
    ['missing required', { ...good, age: undefined }, { field: 'age', reason: 'is required' }],
    ['null required', { ...good, default: null }, { field: 'default', reason: 'is required' }],
    [
      'unknown field',
      { ...good, colour: 'red' },
      { field: 'colour', reason: 'is not in the dataset schema' },
    ],
    [
      'Infinity (1e999 in JSON)',
      { ...good, income: JSON.parse('1e999') },
      { field: 'income', reason: 'must be a finite number' },
    ],
    ['NaN', { ...good, income: NaN }, { field: 'income', reason: 'must be a finite number' }],
    ['below the minimum', { ...good, age: 17 }, { field: 'age', reason: 'must be at least 18' }],
    ['above the maximum', { ...good, age: 121 }, { field: 'age', reason: 'must be at most 120' }],
    [
      'a disallowed category',
      { ...good, employment: 'pirate' },
      { field: 'employment', reason: 'must be one of: salaried, self_employed' },
    ],
    [
      'a huge string',
      { ...good, id: 'x'.repeat(100_000) },
      { field: 'id', reason: 'must be at most 256 characters (got 100000)' },
    ],
    [
      'deep nesting',
      { ...good, income: { a: { b: { c: [1] } } } },
      { field: 'income', reason: 'must be a number, not an object' },
    ],
    [
      'a list',
      { ...good, default: [true] },
      { field: 'default', reason: 'must be true or false, not a list' },
    ],
    [
      'a bad timestamp',
      { ...good, opened: 'yesterday' },
      { field: 'opened', reason: 'must be an ISO 8601 timestamp' },
    ],
  ])('rejects %s with the field and the reason', (_case, record, reason) => {
    const verdict = validate(record);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reasons).toEqual([reason]);
  });

  it('reports every problem of a record at once, and keeps the key for the rejection', () => {
    const verdict = validate({ id: 'c-9', age: 5, default: 'maybe', extra: 1 });
    expect(verdict).toEqual({
      ok: false,
      recordId: 'c-9',
      reasons: [
        { field: 'extra', reason: 'is not in the dataset schema' },
        { field: 'age', reason: 'must be at least 18' },
        { field: 'default', reason: 'must be true or false, not text' },
      ],
    });
  });

  it('turns an out-of-range epoch timestamp into a reason, not a crash', () => {
    const verdict = validate({ ...good, opened: 1e16 });
    expect(!verdict.ok && verdict.reasons).toEqual([
      { field: 'opened', reason: 'must be epoch milliseconds within ±8.64e15' },
    ]);
  });

  it('reads only own fields: a missing optional field named like an Object method is missing', () => {
    const odd = compileRecordValidator({
      fields: {
        constructor: { type: 'number' as const, required: false },
        y: { type: 'boolean' as const },
      },
    });
    expect(odd({ y: true })).toMatchObject({ ok: true, values: { constructor: null, y: true } });
  });

  it('caps the reasons for a record with thousands of unknown fields', () => {
    const flood = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, 1]));
    const verdict = validate({ ...good, ...flood });
    expect(!verdict.ok && verdict.reasons).toHaveLength(21);
    expect(!verdict.ok && verdict.reasons[20]).toEqual({
      field: '(record)',
      reason: 'and 4980 more fields not in the dataset schema',
    });
  });

  it('rejects non-objects', () => {
    for (const record of [null, 3, 'x', [good]]) expect(validate(record).ok).toBe(false);
  });

  it('identifies keyless records by content, independent of field order and absent-vs-null', () => {
    const keyless = compileRecordValidator({ ...credit, key: undefined });
    const a = keyless({ id: 'x', age: 30, default: true });
    const b = keyless({ default: true, income: null, age: 30, id: 'x' });
    expect(a.ok && b.ok && a.recordId).toBe(b.ok && b.recordId);
    expect(a.ok && a.recordId).toMatch(/^[0-9a-f]{32}$/);
    expect(contentId({ a: 1 })).not.toBe(contentId({ a: 2 }));
  });
});

describe('dataset schema rules', () => {
  it('accepts a sound schema', () => {
    expect(checkDatasetSchema(credit)).toEqual({ ok: true, schema: credit });
  });

  it('explains every problem of an unsound one', () => {
    const result = checkDatasetSchema({
      label: 'target',
      key: 'income',
      fields: {
        income: { type: 'number', required: false },
        flag: { type: 'boolean', min: 1 },
        score: { type: 'integer', min: 5, max: 1 },
      },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reasons).toEqual([
      { field: 'label', reason: 'names "target", which is not a field' },
      { field: 'key', reason: 'must be a category (string) or integer field' },
      { field: 'key', reason: 'must be a required field' },
      { field: 'fields.flag', reason: 'min and max apply to number and integer fields only' },
      { field: 'fields.score', reason: 'min 5 is greater than max 1' },
    ]);
  });

  it('looks up the label and key among its own fields only, never Object.prototype', () => {
    const result = checkDatasetSchema({
      label: 'constructor',
      key: 'toString',
      fields: { y: { type: 'boolean' } },
    });
    expect(!result.ok && result.reasons).toEqual([
      { field: 'label', reason: 'names "constructor", which is not a field' },
      { field: 'key', reason: 'names "toString", which is not a field' },
    ]);
  });

  it('refuses a field whose name breaks the naming rule, whatever its definition (a fuzzer found it)', () => {
    for (const definition of [null, [], { type: 'boolean' }]) {
      const result = checkDatasetSchema({
        label: 'a',
        fields: { a: { type: 'boolean' }, 'bad-name\u00e9': definition },
      });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reasons).toContainEqual({
        field: 'fields.bad-name\u00e9',
        reason: expect.stringContaining('is not a valid field name'),
      });
    }
  });

  it('reports shape errors with the field path', () => {
    const result = checkDatasetSchema({ label: 'a', fields: { a: { type: 'text' } } });
    expect(!result.ok && result.reasons.map((r) => r.field)).toContain('fields.a.type');
  });
});

describe('schema compatibility', () => {
  it('allows safe evolution', () => {
    const next: DatasetSchemaBody = {
      ...credit,
      fields: {
        ...credit.fields,
        age: { type: 'number', min: 16, max: 130 },
        employment: {
          type: 'category',
          required: false,
          values: ['salaried', 'self_employed', 'retired'],
        },
        region: { type: 'category', required: false },
        income: { type: 'number', required: false },
      },
    };
    expect(breakingChanges(credit, next)).toEqual([]);
  });

  it('refuses changes that break stored data, with an explanation for each', () => {
    const { opened: _removed, ...fields } = credit.fields;
    const next: DatasetSchemaBody = {
      ...credit,
      key: undefined,
      fields: {
        ...fields,
        age: { type: 'integer', min: 21, max: 120 },
        income: { type: 'category', required: true },
        employment: { type: 'category', required: false, values: ['salaried'] },
        region: { type: 'category' },
      },
    };
    expect(breakingChanges(credit, next)).toEqual([
      'the record key changes from id to none; stored record ids would no longer match re-sent records',
      'field "age" minimum rises to 21; stored values may be below it',
      'field "income" changes type from number to category',
      'field "income" becomes required; stored records may lack it',
      'field "employment" loses allowed values "self_employed"',
      'field "opened" is removed; stored records have it',
      'new field "region" is required; stored records lack it (add it as optional)',
    ]);
  });

  it('sees a field named like an Object method removed or added as any other', () => {
    const withIt: DatasetSchemaBody = {
      ...credit,
      fields: { ...credit.fields, constructor: { type: 'number' as const, required: false } },
    };
    expect(breakingChanges(withIt, credit)).toEqual([
      'field "constructor" is removed; stored records have it',
    ]);
    expect(breakingChanges(credit, withIt)).toEqual([]);
  });

  it('treats key order as irrelevant', () => {
    expect(
      sameSchema(
        credit,
        JSON.parse(JSON.stringify({ fields: credit.fields, key: 'id', label: 'default' })),
      ),
    ).toBe(true);
  });
});
