import type { DriftReference, PredictionSample } from '@keelson/schemas';
import { sampleRows } from './sample-rows';

const reference: DriftReference = {
  rows: 10,
  features: { income: { kind: 'number', edges: [1], shares: [0.5, 0.5], missing: 0 } },
  score: {
    output: 'probabilities',
    column: 1,
    edges: [0.5],
    shares: [0.5, 0.5],
    missing: 0,
    rows: 10,
  },
};

const sample = (overrides: Partial<PredictionSample> = {}): PredictionSample => ({
  at: '2026-12-01T00:00:00Z',
  latencyMs: 1,
  inputs: [
    { name: 'income', datatype: 'FP64', shape: [2, 1], data: [10, null] },
    { name: 'purpose', datatype: 'BYTES', shape: [2], data: ['car', 'home'] },
  ],
  outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.9, 0.1, 0.3, 0.7] }],
  ...overrides,
});

describe('sampleRows', () => {
  it('reads row i of every input and column 1 of the probabilities', () => {
    expect(sampleRows(sample(), reference)).toEqual({
      rows: [
        { income: 10, purpose: 'car' },
        { income: null, purpose: 'home' },
      ],
      scores: [0.1, 0.7],
    });
  });

  it('refuses samples it cannot read, with the reason', () => {
    const short = sample({
      inputs: [{ name: 'income', datatype: 'FP64', shape: [3, 1], data: [1, 2] }],
    });
    expect(sampleRows(short, reference)).toEqual({
      error: 'inputs disagree on the number of rows',
    });
    expect(sampleRows(sample({ outputs: [] }), reference)).toEqual({
      error: 'the answer has no probabilities output',
    });
  });
});
