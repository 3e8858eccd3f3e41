/**
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { createRandom } from '../nn/random';
import {
  UNKNOWN_CATEGORY,
  type FeatureTransform,
  type LabelTransform,
  type TransformSpec,
} from '../transform/transform-spec';
import { exportOnnx, OnnxExportError } from './export-onnx';
import { inspectOnnx } from './inspect-onnx';
import { expectParity, randomNetwork, type Row } from './testing/parity';

function specOf(features: FeatureTransform[], label: LabelTransform): TransformSpec {
  return {
    dataset: 'edge',
    version: 1,
    schemaVersion: 1,
    fittedOnRecords: 100,
    features,
    label,
    featureNames: features.flatMap((f) =>
      f.kind === 'numeric'
        ? [f.field]
        : [...f.vocabulary.map((v) => `${f.field}=${v}`), `${f.field}=${UNKNOWN_CATEGORY}`],
    ),
  };
}

/** Rows drawing each field from `values` (which should include null and unseen values). */
function rowsOf(values: Record<string, Row[string][]>, count: number, seed: number): Row[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () =>
    Object.fromEntries(
      Object.entries(values).map(([field, choices]) => [
        field,
        choices[random.below(choices.length)],
      ]),
    ),
  );
}

const width = (spec: TransformSpec) => spec.featureNames.length;

describe('exportOnnx edge cases', () => {
  it('exports category-only data with awkward names, repeats, "" and an empty vocabulary', async () => {
    const spec = specOf(
      [
        // A repeated entry maps to its first slot (indexOf); '' is the graph's missing value.
        { field: 'colour', kind: 'category', vocabulary: ['red', 'red', '', 'green'] },
        // Named like colour's internal one-hot value, and like the features Concat.
        { field: 'colour/onehot', kind: 'category', vocabulary: ['red', 'blue'] },
        { field: 'a b', kind: 'category', vocabulary: [] },
        { field: 'features', kind: 'category', vocabulary: ['x'] },
        { field: 'één', kind: 'category', vocabulary: ['ja', 'nee'] },
        { field: 'code', kind: 'category', vocabulary: ['3', 'true'] },
      ],
      { field: 'ok', kind: 'binary', positive: 'yes' },
    );
    const rows = rowsOf(
      {
        colour: ['red', 'green', 'mauve', null],
        'colour/onehot': ['red', 'blue', 'green', null],
        'a b': ['anything', null],
        features: ['x', 'y', null],
        één: ['ja', 'nee', 'misschien', null],
        code: [3, true, 4, false, null],
      },
      300,
      31,
    );
    const network = randomNetwork([width(spec), 6, 2], ['relu', 'softmax'], 32);
    const { labels } = await expectParity(spec, network, rows);
    expect(new Set(labels)).toEqual(new Set([0, 1]));
  });

  it('exports numeric-only data whose field names match internal value names', async () => {
    const spec = specOf(
      [
        { field: 'one', kind: 'numeric', source: 'boolean', impute: 0.4, mean: 0.4, scale: 0.49 },
        {
          field: 'threshold',
          kind: 'numeric',
          source: 'timestamp',
          impute: 19_000,
          mean: 19_000.5,
          scale: 400,
        },
        {
          field: 'layer0/weights',
          kind: 'numeric',
          source: 'number',
          impute: 0,
          mean: 5,
          scale: 2,
        },
        {
          field: 'positive_column',
          kind: 'numeric',
          source: 'integer',
          impute: 3,
          mean: 3,
          scale: 1,
        },
      ],
      { field: 'ok', kind: 'binary', positive: true },
    );
    const rows = rowsOf(
      {
        one: [true, false, null],
        threshold: ['2021-03-04T05:06:07.089Z', '2023-12-31T23:59:59.999Z', '2022-06-01', null],
        'layer0/weights': [-3.5, 0, 7.25, 1e6, null],
        positive_column: [0, 3, 9, null],
      },
      200,
      41,
    );
    const network = randomNetwork([4, 5, 1], ['relu', 'sigmoid'], 42);
    await expectParity(spec, network, rows);
  });

  it('exports a single feature (no Concat) for a multiclass label', async () => {
    const spec = specOf(
      [{ field: 'x', kind: 'numeric', source: 'number', impute: 2, mean: 1, scale: 3 }],
      { field: 'y', kind: 'multiclass', classes: ['a', 'b', 'c'] },
    );
    const rows = rowsOf({ x: [-10, -1, 0, 1, 2.5, 10, null] }, 50, 51);
    const network = randomNetwork([1, 3], ['softmax'], 52);
    await expectParity(spec, network, rows);
    const info = inspectOnnx(exportOnnx(spec, network));
    expect(info.operators.map((o) => o.opType)).not.toContain('Concat');
    expect(info.outputs[0].shape).toEqual(['batch', 3]);
  });

  describe('refuses, with its reason,', () => {
    const numeric: FeatureTransform = {
      field: 'x',
      kind: 'numeric',
      source: 'number',
      impute: 0,
      mean: 0,
      scale: 1,
    };
    const binary: LabelTransform = { field: 'y', kind: 'binary', positive: true };
    const logistic = randomNetwork([1, 1], ['sigmoid'], 61);
    const refusal = (spec: TransformSpec, network = logistic, meta?: Record<string, string>) => {
      try {
        exportOnnx(spec, network, meta);
      } catch (error) {
        expect(error).toBeInstanceOf(OnnxExportError);
        return (error as Error).message;
      }
      throw new Error('expected exportOnnx to refuse');
    };

    it('a regression label', () => {
      expect(refusal(specOf([numeric], { field: 'y', kind: 'regression' }))).toMatch(
        /only classification/,
      );
    });

    it('a feature named like a graph output', () => {
      expect(refusal(specOf([{ ...numeric, field: 'label' }], binary))).toMatch(
        /"label" would clash/,
      );
    });

    it('a network whose input width is not the transform width', () => {
      const spec = specOf([{ field: 'c', kind: 'category', vocabulary: ['a', 'b'] }], binary);
      expect(refusal(spec)).toMatch(/takes 1 inputs, the transform makes 3/);
    });

    it('a last layer that does not output probabilities', () => {
      const spec = specOf([numeric], binary);
      expect(refusal(spec, randomNetwork([1, 1], ['identity'], 62))).toMatch(/sigmoid/);
      const multiclass = specOf([numeric], {
        field: 'y',
        kind: 'multiclass',
        classes: ['a', 'b', 'c'],
      });
      expect(refusal(multiclass)).toMatch(/3 softmax outputs, not 1 sigmoid/);
    });

    it('caller metadata under the reserved prefix', () => {
      expect(refusal(specOf([numeric], binary), logistic, { 'keelson.format': '9' })).toMatch(
        /reserved/,
      );
    });
  });
});
