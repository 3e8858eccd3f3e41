/**
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import type { DatasetDefinition } from '@keelson/schemas';
import * as ort from 'onnxruntime-node';
import { createRandom } from '../nn/random';
import { statsOf } from '../transform/feature-stats';
import { fitTransform, type TransformSpec } from '../transform/transform-spec';
import { exportOnnx, ONNX_METADATA } from './export-onnx';
import { inspectOnnx } from './inspect-onnx';
import { onnxInputsFromRecords } from './onnx-inputs';
import { expectParity, randomNetwork, type Row } from './testing/parity';

const credit: DatasetDefinition = {
  name: 'credit',
  version: 2,
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
    // Never filled in training: an empty vocabulary, only the unknown slot.
    referrer: { type: 'category', required: false },
    segment: { type: 'category' },
    default: { type: 'boolean' },
  },
};

/** Records; held-out ones add every gap: missing numbers, missing and unseen categories. */
function creditRecords(count: number, seed: number, heldOut: boolean): Row[] {
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
      : heldOut && gap(0.2)
        ? pick(['astronaut', 'pirate'])
        : pick(['salaried', 'salaried', 'retired', 'student', 'self-employed']),
    region: heldOut && gap(0.1) ? null : pick(['north', 'south', 'east', 'west']),
    referrer: heldOut && gap(0.5) ? pick(['friend', 'ad']) : null,
    segment: pick(['bronze', 'silver', 'gold']),
    default: gap(0.2),
  }));
}

const training = creditRecords(2_000, 1, false);
const heldOut = creditRecords(500, 2, true);
const binarySpec = fitTransform(credit, statsOf(credit, training), 1);
const multiclassDataset = { ...credit, label: 'segment' };
const multiclassSpec = fitTransform(multiclassDataset, statsOf(multiclassDataset, training), 1);
const width = (spec: TransformSpec) => spec.featureNames.length;

describe('exportOnnx parity with applyTransform + forward', () => {
  it('is fed every kind of gap by the held-out records', () => {
    const feeds = onnxInputsFromRecords(binarySpec, heldOut);
    expect(Array.from(feeds.income.data as Float64Array).some(Number.isNaN)).toBe(true);
    expect(Array.from(feeds.signup.data as Float64Array).some(Number.isNaN)).toBe(true);
    expect(feeds.employment.data).toEqual(expect.arrayContaining(['', 'astronaut']));
    expect(feeds.region.data).toContain('');
    expect(feeds.referrer.data).toEqual(expect.arrayContaining(['', 'friend']));
    expect(binarySpec.features.find((f) => f.field === 'referrer')).toMatchObject({
      vocabulary: [],
    });
  });

  it('matches a logistic regression', async () => {
    const network = randomNetwork([width(binarySpec), 1], ['sigmoid'], 11);
    const { maxDiff, labels } = await expectParity(binarySpec, network, heldOut);
    expect(new Set(labels)).toEqual(new Set([0, 1]));
    console.info(`logistic regression: max |diff| ${maxDiff.toExponential(2)}`);
  });

  it('matches an MLP with two ReLU hidden layers and a sigmoid output', async () => {
    const network = randomNetwork([width(binarySpec), 16, 8, 1], ['relu', 'relu', 'sigmoid'], 12);
    const { maxDiff, labels } = await expectParity(binarySpec, network, heldOut);
    expect(new Set(labels)).toEqual(new Set([0, 1]));
    console.info(`MLP: max |diff| ${maxDiff.toExponential(2)}`);
  });

  it('matches a multiclass softmax network', async () => {
    expect(multiclassSpec.label).toEqual({
      field: 'segment',
      kind: 'multiclass',
      classes: ['bronze', 'gold', 'silver'],
    });
    const network = randomNetwork([width(multiclassSpec), 12, 3], ['relu', 'softmax'], 13);
    const { maxDiff, labels } = await expectParity(multiclassSpec, network, heldOut);
    expect(new Set(labels)).toEqual(new Set([0, 1, 2]));
    console.info(`multiclass: max |diff| ${maxDiff.toExponential(2)}`);
  });
});

describe('the exported model', () => {
  const network = randomNetwork([width(binarySpec), 1], ['sigmoid'], 21);
  const bytes = exportOnnx(binarySpec, network, { model: 'credit-default', run: '7' });

  it('declares one [batch, 1] input per field and the two outputs, as inspectOnnx reads them', () => {
    const info = inspectOnnx(bytes);
    expect(info).toMatchObject({
      irVersion: 8,
      producerName: 'keelson',
      opsetImports: [
        { domain: '', version: 17 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
    });
    expect(info.inputs).toEqual(
      binarySpec.features.map((f) => ({
        name: f.field,
        kind: 'tensor',
        elementType: f.kind === 'numeric' ? 'float64' : 'string',
        shape: ['batch', 1],
      })),
    );
    expect(info.outputs).toEqual([
      { name: 'probabilities', kind: 'tensor', elementType: 'float32', shape: ['batch', 2] },
      { name: 'label', kind: 'tensor', elementType: 'int64', shape: ['batch'] },
    ]);
    expect(info.operators).toContainEqual({ domain: 'ai.onnx.ml', opType: 'LabelEncoder' });
    expect(info.operators.map((o) => o.opType)).toEqual(
      expect.arrayContaining(['IsNaN', 'Where', 'Gemm', 'Sigmoid', 'GreaterOrEqual']),
    );
  });

  it('carries the transform spec, feature names, label classes and caller metadata', () => {
    const { metadata } = inspectOnnx(bytes);
    expect(JSON.parse(metadata[ONNX_METADATA.transformSpec])).toEqual(binarySpec);
    expect(JSON.parse(metadata[ONNX_METADATA.featureNames])).toEqual(binarySpec.featureNames);
    expect(JSON.parse(metadata[ONNX_METADATA.labelClasses])).toEqual(['false', 'true']);
    expect(metadata[ONNX_METADATA.format]).toBe('1');
    expect(metadata).toMatchObject({ model: 'credit-default', run: '7' });
  });

  it('agrees with what onnxruntime reports about its inputs and outputs', async () => {
    const session = await ort.InferenceSession.create(bytes);
    try {
      const fromRuntime = [...session.inputMetadata, ...session.outputMetadata].map((m) =>
        m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name },
      );
      const info = inspectOnnx(bytes);
      expect(fromRuntime).toEqual(
        [...info.inputs, ...info.outputs].map((v) => ({
          name: v.name,
          type: v.elementType,
          shape: v.shape,
        })),
      );
    } finally {
      await session.release();
    }
  });
});
