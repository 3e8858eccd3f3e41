import type { TransformSpec } from '../transform/transform-spec';
import { onnxInputsFromRecords } from './onnx-inputs';

const spec: TransformSpec = {
  dataset: 'credit',
  version: 1,
  schemaVersion: 1,
  fittedOnRecords: 10,
  features: [
    { field: 'age', kind: 'numeric', source: 'integer', impute: 40, mean: 40, scale: 10 },
    { field: 'vip', kind: 'numeric', source: 'boolean', impute: 0, mean: 0.3, scale: 0.5 },
    { field: 'signup', kind: 'numeric', source: 'timestamp', impute: 0, mean: 0, scale: 1 },
    { field: 'employment', kind: 'category', vocabulary: ['salaried'] },
  ],
  label: { field: 'default', kind: 'binary', positive: true },
  featureNames: ['age', 'vip', 'signup', 'employment=salaried', 'employment=<unknown>'],
};

describe('onnxInputsFromRecords', () => {
  it('feeds each field as a [rows, 1] column in the graph conventions', () => {
    const feeds = onnxInputsFromRecords(spec, [
      { age: 31, vip: true, signup: '1970-01-03T12:00:00Z', employment: 'salaried', default: true },
      { age: null, vip: false, signup: null, employment: null },
      { employment: 7 },
    ]);
    expect(Object.keys(feeds)).toEqual(['age', 'vip', 'signup', 'employment']);
    expect(feeds.age).toEqual({
      type: 'float64',
      data: Float64Array.of(31, NaN, NaN),
      dims: [3, 1],
    });
    expect(feeds.vip.data).toEqual(Float64Array.of(1, 0, NaN));
    // Days since the epoch, as applyTransform reads timestamps.
    expect(feeds.signup.data).toEqual(Float64Array.of(2.5, NaN, NaN));
    expect(feeds.employment).toEqual({ type: 'string', data: ['salaried', '', '7'], dims: [3, 1] });
  });

  it('makes empty [0, 1] feeds for no records', () => {
    const feeds = onnxInputsFromRecords(spec, []);
    expect(feeds.age.dims).toEqual([0, 1]);
    expect(feeds.employment.data).toEqual([]);
  });
});
