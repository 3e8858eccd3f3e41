import { fitTransform, statsOf } from '@keelson/ml';
import { TerminalError } from '@keelson/messaging';
import type { DatasetSchemaBody } from '@keelson/schemas';
import { toMatrix } from './training-data';

const schema: DatasetSchemaBody = {
  label: 'y',
  fields: {
    x: { type: 'number', required: false },
    c: { type: 'category' },
    y: { type: 'boolean', required: false },
  },
};
const records = [
  { x: 1, c: 'a', y: true },
  { x: null, c: 'b', y: false },
  { x: 3, c: 'a', y: null },
];

describe('toMatrix', () => {
  it('applies the transform row by row and skips records without a label', () => {
    const spec = fitTransform({ name: 'd', version: 1, ...schema }, statsOf(schema, records), 1);
    const m = toMatrix(
      spec,
      records.map((values) => ({ values })),
    );
    expect([m.rows, m.width, m.classes]).toEqual([2, spec.featureNames.length, 2]);
    expect(Array.from(m.y)).toEqual([1, 0]);
    expect(m.records).toEqual(records.slice(0, 2));
    expect(m.x.length).toBe(2 * m.width);
  });

  it('refuses a numeric label as a terminal error', () => {
    const regression: DatasetSchemaBody = {
      label: 'y',
      fields: { x: { type: 'number' }, y: { type: 'number' } },
    };
    const spec = fitTransform(
      { name: 'r', version: 1, ...regression },
      statsOf(regression, [{ x: 1, y: 2 }]),
      1,
    );
    expect(() => toMatrix(spec, [{ values: { x: 1, y: 2 } }])).toThrow(TerminalError);
  });
});
