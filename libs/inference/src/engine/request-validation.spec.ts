import type { Tensor } from '../protocol/tensor';
import { InvalidInferenceRequestError } from './engine-errors';
import { validateRequest } from './request-validation';
import type { ModelMetadata } from './tensor-metadata';

const metadata: ModelMetadata = {
  inputs: [
    { name: 'age', datatype: 'FP64', shape: [-1, 1] },
    { name: 'region', datatype: 'BYTES', shape: [-1, 1] },
  ],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

const age = (rows: number, overrides: Partial<Tensor> = {}): Tensor => ({
  name: 'age',
  datatype: 'FP64',
  shape: [rows, 1],
  data: new Float64Array(rows),
  ...overrides,
});
const region = (rows: number): Tensor => ({
  name: 'region',
  datatype: 'BYTES',
  shape: [rows, 1],
  data: Array.from({ length: rows }, () => 'north'),
});

const problem = (inputs: Tensor[], outputs?: string[]) => {
  try {
    validateRequest(metadata, inputs, outputs);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInferenceRequestError);
    return (error as Error).message;
  }
};

describe('validateRequest', () => {
  it('accepts any number of rows, inputs in any order, and known outputs', () => {
    expect(problem([region(3), age(3)], ['label'])).toBeUndefined();
    expect(problem([age(0), region(0)])).toBeUndefined();
  });

  it('names what is wrong with a request the model cannot take', () => {
    expect(problem([age(1)])).toMatch(/missing inputs: region/);
    expect(problem([age(1), region(1), { ...age(1), name: 'height' }])).toMatch(
      /unknown input 'height'/,
    );
    expect(problem([age(1), age(1), region(1)])).toMatch(/given twice/);
    expect(problem([age(1, { datatype: 'FP32', data: new Float32Array(1) }), region(1)])).toMatch(
      /must be FP64, not FP32/,
    );
    expect(problem([age(1, { shape: [1, 2], data: new Float64Array(2) }), region(1)])).toMatch(
      /shape \[1, 2\]; the model takes \[-1, 1\]/,
    );
    expect(problem([age(2, { data: new Float64Array(3) }), region(2)])).toMatch(
      /3 values for shape/,
    );
    expect(problem([age(1, { data: new Float32Array(1) }), region(1)])).toMatch(
      /does not hold FP64/,
    );
    expect(problem([age(1), region(1)], ['logits'])).toMatch(/unknown output 'logits'/);
  });
});
