/**
 * Models for the engine's specs (never exported from the lib): a credit classifier as training
 * exports it, and small hand-built graphs for what the classifier cannot show (every datatype,
 * variable non-batch dimensions, a model that fails at run time).
 */
import type { DatasetDefinition } from '@keelson/schemas';
import {
  createRandom,
  encodeOnnxModel,
  exportOnnx,
  fitTransform,
  onnxInputsFromRecords,
  statsOf,
  type Network,
  type OnnxElementType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '@keelson/ml';
import { DATATYPES, ORT_TYPE, type Datatype, type Tensor } from '../../protocol/tensor';

const credit: DatasetDefinition = {
  name: 'credit',
  version: 1,
  label: 'default',
  key: 'id',
  fields: {
    id: { type: 'category' },
    age: { type: 'integer' },
    income: { type: 'number', required: false },
    vip: { type: 'boolean' },
    signup: { type: 'timestamp', required: false },
    employment: { type: 'category', required: false },
    region: { type: 'category', values: ['north', 'south', 'east', 'west'] },
    segment: { type: 'category' },
    default: { type: 'boolean' },
  },
};

type CreditRecord = Record<string, string | number | boolean | null>;

export function creditRecords(count: number, seed: number): CreditRecord[] {
  const random = createRandom(seed);
  const gap = (p: number) => random.uniform() < p;
  const pick = <T>(values: T[]) => values[random.below(values.length)];
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    age: 18 + random.below(60),
    income: gap(0.15) ? null : 2e4 + random.below(2e5) + 0.25,
    vip: gap(0.3),
    signup: gap(0.1)
      ? null
      : new Date(Date.UTC(2015, 0, 1) + random.uniform() * 3e11).toISOString(),
    employment: gap(0.1)
      ? null
      : pick(['salaried', 'retired', 'student', 'self-employed', 'pirate']),
    region: pick(['north', 'south', 'east', 'west']),
    segment: pick(['bronze', 'silver', 'gold']),
    default: gap(0.2),
  }));
}

const creditSpec = fitTransform(credit, statsOf(credit, creditRecords(1_000, 1)), 1);

/** A credit classifier with one hidden layer and seeded random weights, as exportOnnx writes it. */
export function creditModel(seed = 7, hidden = 16): Uint8Array {
  const random = createRandom(seed);
  const layer = (inputs: number, outputs: number, activation: 'relu' | 'sigmoid') => ({
    inputs,
    outputs,
    activation,
    weights: Float64Array.from(
      { length: inputs * outputs },
      () => (random.uniform() * 2 - 1) * 0.8,
    ),
    bias: Float64Array.from({ length: outputs }, () => random.uniform() - 0.5),
  });
  const network: Network = {
    layers: [layer(creditSpec.featureNames.length, hidden, 'relu'), layer(hidden, 1, 'sigmoid')],
  };
  return exportOnnx(creditSpec, network);
}

/** Features the credit model takes. */
export const CREDIT_FEATURES = creditSpec.featureNames.length;

/** One credit request of `rows` rows, as the codecs would decode it. */
export function creditRequest(rows: number, seed: number): Tensor[] {
  const feeds = onnxInputsFromRecords(creditSpec, creditRecords(rows, seed));
  return Object.entries(feeds).map(([name, feed]) => ({
    name,
    datatype: feed.type === 'string' ? 'BYTES' : 'FP64',
    shape: feed.dims.slice(),
    data: feed.data,
  }));
}

const model = (
  nodes: OnnxNode[],
  inputs: OnnxValueInfo[],
  outputs: OnnxValueInfo[],
  initializers: OnnxTensor[] = [],
): Uint8Array => {
  const onnx: OnnxModel = {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'keelson-engine-spec',
    graph: { name: 'spec', nodes, initializers, inputs, outputs },
  };
  return encodeOnnxModel(onnx);
};

/** Every datatype OIP and onnxruntime share, named after its datatype. */
export const IDENTITY_DATATYPES: Datatype[] = [...DATATYPES];

/** Input `in_<DATATYPE>` [batch, 2] goes unchanged to output `out_<DATATYPE>`, for every datatype. */
export function identityModel(): Uint8Array {
  const type = (d: Datatype) => ORT_TYPE[d] as OnnxElementType;
  return model(
    IDENTITY_DATATYPES.map((d) => ({
      opType: 'Identity',
      inputs: [`in_${d}`],
      outputs: [`out_${d}`],
    })),
    IDENTITY_DATATYPES.map((d) => ({ name: `in_${d}`, elementType: type(d), shape: ['batch', 2] })),
    IDENTITY_DATATYPES.map((d) => ({
      name: `out_${d}`,
      elementType: type(d),
      shape: ['batch', 2],
    })),
  );
}

/** `sum` [batch, 1] = the sum of each row of `x` [batch, width]: a variable non-batch dimension. */
export function rowSumModel(): Uint8Array {
  return model(
    [{ opType: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['sum'] }],
    [{ name: 'x', elementType: 'float32', shape: ['batch', 'width'] }],
    [{ name: 'sum', elementType: 'float32', shape: ['batch', 1] }],
    [{ name: 'axes', type: 'int64', dims: [1], data: BigInt64Array.of(1n) }],
  );
}

/** Reshapes `x` [batch, 2] to a fixed [2, 2]: loads, but fails on any batch but 2 rows. */
export function twoRowsOnlyModel(): Uint8Array {
  return model(
    [{ opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
    [{ name: 'x', elementType: 'float32', shape: ['batch', 2] }],
    [{ name: 'y', elementType: 'float32', shape: [2, 2] }],
    [{ name: 'shape', type: 'int64', dims: [2], data: BigInt64Array.of(2n, 2n) }],
  );
}
