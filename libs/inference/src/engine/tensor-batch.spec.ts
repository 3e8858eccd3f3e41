import { DATATYPES, type Tensor } from '../protocol/tensor';
import { batchKey, concatRequests, rowsOf, splitOutputs } from './tensor-batch';
import { sampleData } from './testing/sample-data';

const tensor = (
  name: string,
  datatype: Tensor['datatype'],
  shape: number[],
  seed: number,
): Tensor => ({
  name,
  datatype,
  shape,
  data: sampleData(
    datatype,
    shape.reduce((n, d) => n * d, 1),
    seed,
  ),
});

describe('concatRequests and splitOutputs', () => {
  it.each(DATATYPES)('round-trips %s requests of mixed row counts', (datatype) => {
    const rowCounts = [1, 3, 0, 2];
    const requests = rowCounts.map((rows, i) => [tensor('x', datatype, [rows, 2, 3], i)]);
    const [batch] = concatRequests(requests);
    expect(batch.shape).toEqual([6, 2, 3]);
    expect(batch.data.length).toBe(36);

    const parts = splitOutputs([batch], rowCounts);
    parts.forEach(([part], i) => {
      expect(part.shape).toEqual(requests[i][0].shape);
      expect(Array.from(part.data as ArrayLike<unknown>)).toEqual(
        Array.from(requests[i][0].data as ArrayLike<unknown>),
      );
      expect(part.data.constructor).toBe(requests[i][0].data.constructor);
    });
  });

  it('matches inputs by name when requests list them in different orders', () => {
    const a = [tensor('a', 'FP32', [1, 1], 1), tensor('b', 'BYTES', [1, 1], 2)];
    const b = [tensor('b', 'BYTES', [2, 1], 3), tensor('a', 'FP32', [2, 1], 4)];
    const [batchA, batchB] = concatRequests([a, b]);
    expect(Array.from(batchA.data as Float32Array)).toEqual([
      ...(a[0].data as Float32Array),
      ...(b[1].data as Float32Array),
    ]);
    expect(batchB.data).toEqual([...(a[1].data as string[]), ...(b[0].data as string[])]);
  });

  it('refuses to split an output whose first dimension is not the batch', () => {
    const scalarish: Tensor = {
      name: 'total',
      datatype: 'FP32',
      shape: [1],
      data: new Float32Array(1),
    };
    expect(() => splitOutputs([scalarish], [2, 3])).toThrow(/not a batch of 5 rows/);
  });
});

describe('batchKey', () => {
  const x = (shape: number[], datatype: Tensor['datatype'] = 'FP32') =>
    tensor('x', datatype, shape, 0);
  const y = (shape: number[]) => tensor('y', 'BYTES', shape, 0);

  it('ignores the batch dimension and the order of inputs', () => {
    expect(batchKey([x([1, 4]), y([1, 1])])).toBe(batchKey([y([7, 1]), x([7, 4])]));
  });

  it('separates other dimensions, datatypes and requested outputs', () => {
    const key = batchKey([x([1, 4])]);
    expect(batchKey([x([1, 5])])).not.toBe(key);
    expect(batchKey([x([1, 4], 'FP64')])).not.toBe(key);
    expect(batchKey([x([1, 4])], ['label'])).not.toBe(key);
  });
});

describe('rowsOf', () => {
  it('is the shared first dimension, or undefined when there is none', () => {
    expect(rowsOf([tensor('a', 'FP32', [3, 1], 0), tensor('b', 'FP32', [3], 0)])).toBe(3);
    expect(
      rowsOf([tensor('a', 'FP32', [3, 1], 0), tensor('b', 'FP32', [2, 1], 0)]),
    ).toBeUndefined();
    expect(rowsOf([tensor('a', 'FP32', [], 0)])).toBeUndefined();
  });
});
