/**
 * Test support for the ONNX specs only (never exported from the lib: it loads onnxruntime-node).
 * Runs an exported graph in onnxruntime and the TypeScript path side by side.
 */
import * as ort from 'onnxruntime-node';
import { classProbabilities, forward, type Activation, type Network } from '../../nn/network';
import { createRandom } from '../../nn/random';
import { applyTransform } from '../../transform/apply-transform';
import type { RawValue } from '../../transform/feature-stats';
import type { TransformSpec } from '../../transform/transform-spec';
import { exportOnnx } from '../export-onnx';
import { onnxInputsFromRecords } from '../onnx-inputs';

export type Row = Record<string, RawValue>;

/** Seeded random dense layers of the given widths, scaled so probabilities spread over (0, 1). */
export function randomNetwork(widths: number[], activations: Activation[], seed: number): Network {
  const random = createRandom(seed);
  return {
    layers: activations.map((activation, i) => {
      const [inputs, outputs] = [widths[i], widths[i + 1]];
      const spread = 3 / Math.sqrt(inputs);
      const weights = Float64Array.from(
        { length: inputs * outputs },
        () => (random.uniform() * 2 - 1) * spread,
      );
      const bias = Float64Array.from({ length: outputs }, () => random.uniform() - 0.5);
      return { inputs, outputs, weights, bias, activation };
    }),
  };
}

/** What the TypeScript path predicts: applyTransform, forward, classProbabilities, then a label. */
export function reference(spec: TransformSpec, network: Network, records: Row[]) {
  const width = network.layers[0].inputs;
  const x = new Float64Array(records.length * width);
  records.forEach((r, i) => x.set(applyTransform(spec, r).features, i * width));
  const output = forward(network, x, records.length);
  const probabilities = classProbabilities(network, output, records.length);
  const classes = probabilities.length / records.length;
  const labels = records.map((_, r) => {
    const row = Array.from(probabilities.subarray(r * classes, (r + 1) * classes));
    // Binary: the positive class at p >= 0.5; multiclass: the first most probable class.
    return classes === 2 ? (row[1] >= 0.5 ? 1 : 0) : row.indexOf(Math.max(...row));
  });
  return { probabilities, labels };
}

/** Runs `bytes` in onnxruntime on feeds made by onnxInputsFromRecords. */
export async function runOnnx(bytes: Uint8Array, spec: TransformSpec, records: Row[]) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(onnxInputsFromRecords(spec, records))) {
      feeds[name] =
        feed.type === 'string'
          ? new ort.Tensor('string', feed.data, feed.dims)
          : new ort.Tensor('float64', feed.data, feed.dims);
    }
    const out = await session.run(feeds);
    return {
      probabilities: out.probabilities.data as Float32Array,
      probabilityDims: out.probabilities.dims,
      labels: Array.from(out.label.data as BigInt64Array, Number),
      labelDims: out.label.dims,
    };
  } finally {
    await session.release();
  }
}

/**
 * Exports, runs both paths on `records` and expects probabilities within 1e-5 and equal labels.
 * Returns the largest absolute difference seen, and the labels.
 */
export async function expectParity(spec: TransformSpec, network: Network, records: Row[]) {
  const onnx = await runOnnx(exportOnnx(spec, network), spec, records);
  const expected = reference(spec, network, records);
  const classes = expected.probabilities.length / records.length;
  expect(onnx.probabilityDims).toEqual([records.length, classes]);
  expect(onnx.labelDims).toEqual([records.length]);
  let maxDiff = 0;
  expected.probabilities.forEach((p, i) => {
    maxDiff = Math.max(maxDiff, Math.abs(p - onnx.probabilities[i]));
  });
  expect(maxDiff).toBeLessThan(1e-5);
  expect(onnx.labels).toEqual(expected.labels);
  return { maxDiff, labels: onnx.labels };
}
