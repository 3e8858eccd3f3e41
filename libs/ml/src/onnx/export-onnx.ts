import { inputWidth, outputWidth, type DenseLayer, type Network } from '../nn/network';
import type {
  CategoryFeature,
  LabelTransform,
  NumericFeature,
  TransformSpec,
} from '../transform/transform-spec';
import { GraphBuilder, intAttribute } from './graph-builder';
import { encodeOnnxModel, ONNX_ELEMENT_TYPES, type OnnxValueInfo } from './onnx-model';

/**
 * Versions written into exported models: IR 8 with opset 17 and ai.onnx.ml 3 is the set released
 * together in ONNX 1.12, long supported by onnxruntime. LabelEncoder's string -> int64 form
 * (keys_strings / values_int64s / default_int64) exists since ai.onnx.ml 2.
 */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;

/** The exported graph's output names. */
export const ONNX_PROBABILITIES = 'probabilities';
export const ONNX_LABEL = 'label';

/** Batch dimension of every input and output. */
export const ONNX_BATCH_DIM = 'batch';

/** metadata_props keys the exporter writes; the `keelson.` prefix is reserved for them. */
export const ONNX_METADATA = {
  /** Version of the input/output conventions described in docs/onnx.md. */
  format: 'keelson.format',
  transformSpec: 'keelson.transform_spec',
  featureNames: 'keelson.feature_names',
  labelClasses: 'keelson.label_classes',
} as const;
export const ONNX_FORMAT_VERSION = '1';

/** The spec and network cannot be exported (a terminal failure: retrying will not help). */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

/**
 * Builds one ONNX graph that takes raw feature values (one [batch, 1] input per field), applies
 * the transform spec, runs the network and outputs `probabilities` [batch, C] (float32) and
 * `label` [batch] (int64). The graph computes in float64, as `applyTransform` and `forward` do:
 * float32 resolves a timestamp of ~2e4 days only to ~3 minutes and an income of 1e5 to ~0.01
 * before standardisation, and would let labels of rows near the 0.5 threshold flip. These networks
 * are small, so float64 costs little; only the probabilities output is rounded to float32.
 */
export function exportOnnx(
  spec: TransformSpec,
  network: Network,
  meta: Record<string, string> = {},
): Uint8Array {
  checkExportable(spec, network, meta);
  const fields = spec.features.map((f) => f.field);
  const g = new GraphBuilder([...fields, ONNX_PROBABILITIES, ONNX_LABEL]);

  const blocks = spec.features.map((f) =>
    f.kind === 'numeric' ? numericBlock(g, f) : categoryBlock(g, f),
  );
  let x =
    blocks.length === 1
      ? blocks[0]
      : g.node('Concat', blocks, { hint: 'features', attributes: [intAttribute('axis', 1)] });
  for (const [i, layer] of network.layers.entries()) x = denseLayer(g, layer, `layer${i}`, x);

  // A binary sigmoid output p becomes (1 - p, p), the same shape as a multiclass softmax.
  const probabilities =
    outputWidth(network) === 1
      ? g.node('Concat', [g.node('Sub', [g.doubles('one', [1]), x], { hint: 'negative' }), x], {
          hint: 'probabilities64',
          attributes: [intAttribute('axis', 1)],
        })
      : x;
  g.node('Cast', [probabilities], {
    hint: ONNX_PROBABILITIES,
    output: ONNX_PROBABILITIES,
    attributes: [intAttribute('to', ONNX_ELEMENT_TYPES.float32)],
  });
  labelNode(g, spec.label, probabilities);

  const batch = (width?: number) =>
    width === undefined ? [ONNX_BATCH_DIM] : [ONNX_BATCH_DIM, width];
  const inputs: OnnxValueInfo[] = spec.features.map((f) => ({
    name: f.field,
    elementType: f.kind === 'numeric' ? 'float64' : 'string',
    shape: batch(1),
  }));
  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetImports: [
      { domain: '', version: ONNX_OPSET },
      { domain: 'ai.onnx.ml', version: ONNX_ML_OPSET },
    ],
    producerName: 'keelson',
    docString: `${spec.dataset} transform v${spec.version}`,
    graph: {
      name: `${spec.dataset}_v${spec.version}`,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs,
      outputs: [
        {
          name: ONNX_PROBABILITIES,
          elementType: 'float32',
          shape: batch(labelClasses(spec.label).length),
        },
        { name: ONNX_LABEL, elementType: 'int64', shape: batch() },
      ],
    },
    metadata: {
      ...meta,
      [ONNX_METADATA.format]: ONNX_FORMAT_VERSION,
      [ONNX_METADATA.transformSpec]: JSON.stringify(spec),
      [ONNX_METADATA.featureNames]: JSON.stringify(spec.featureNames),
      [ONNX_METADATA.labelClasses]: JSON.stringify(labelClasses(spec.label)),
    },
  });
}

/** NaN -> impute, then (x - mean) / scale: the same float64 operations as applyTransform. */
function numericBlock(g: GraphBuilder, f: NumericFeature): string {
  const h = f.field;
  const missing = g.node('IsNaN', [f.field], { hint: `${h}/missing` });
  const filled = g.node('Where', [missing, g.doubles(`${h}/impute`, [f.impute]), f.field], {
    hint: `${h}/filled`,
  });
  const centred = g.node('Sub', [filled, g.doubles(`${h}/mean`, [f.mean])], {
    hint: `${h}/centred`,
  });
  return g.node('Div', [centred, g.doubles(`${h}/scale`, [f.scale])], { hint: `${h}/scaled` });
}

/**
 * One-hot over the vocabulary plus the unknown slot, [batch, V + 1]. LabelEncoder maps a value to
 * its vocabulary index and anything else (unseen, or '' for missing) to V; comparing that index
 * with 0..V by broadcasting gives the one-hot rows without OneHot, whose onnxruntime kernels do
 * not cover float64 outputs.
 */
function categoryBlock(g: GraphBuilder, f: CategoryFeature): string {
  const h = f.field;
  const width = f.vocabulary.length + 1;
  // '' is the graph's missing value, so it can never be a vocabulary entry; and like indexOf in
  // applyTransform, a repeated entry maps to its first position.
  const index = new Map<string, number>();
  f.vocabulary.forEach((value, i) => {
    if (value !== '' && !index.has(value)) index.set(value, i);
  });
  if (index.size === 0) {
    // Every value lands in the unknown slot: a column of ones, shaped by the input.
    return g.node('ConstantOfShape', [g.node('Shape', [f.field], { hint: `${h}/shape` })], {
      hint: `${h}/onehot`,
      attributes: [
        {
          name: 'value',
          kind: 'tensor',
          value: { type: 'float64', dims: [1], data: Float64Array.of(1) },
        },
      ],
    });
  }
  const encoded = g.node('LabelEncoder', [f.field], {
    hint: `${h}/index`,
    domain: 'ai.onnx.ml',
    attributes: [
      { name: 'keys_strings', kind: 'strings', value: [...index.keys()] },
      { name: 'values_int64s', kind: 'ints', value: [...index.values()] },
      intAttribute('default_int64', f.vocabulary.length),
    ],
  });
  const slots = g.int64s(
    `${h}/slots`,
    Array.from({ length: width }, (_, i) => i),
  );
  const hot = g.node('Equal', [encoded, slots], { hint: `${h}/hot` });
  return g.node('Cast', [hot], {
    hint: `${h}/onehot`,
    attributes: [intAttribute('to', ONNX_ELEMENT_TYPES.float64)],
  });
}

/** Gemm (x W + b) then the activation; identity adds no node. */
function denseLayer(g: GraphBuilder, layer: DenseLayer, hint: string, x: string): string {
  const weights = g.doubles(`${hint}/weights`, layer.weights, [layer.inputs, layer.outputs]);
  const bias = g.doubles(`${hint}/bias`, layer.bias);
  const z = g.node('Gemm', [x, weights, bias], { hint: `${hint}/linear` });
  switch (layer.activation) {
    case 'identity':
      return z;
    case 'relu':
      return g.node('Relu', [z], { hint: `${hint}/relu` });
    case 'sigmoid':
      return g.node('Sigmoid', [z], { hint: `${hint}/sigmoid` });
    case 'softmax':
      return g.node('Softmax', [z], {
        hint: `${hint}/softmax`,
        attributes: [intAttribute('axis', 1)],
      });
  }
}

/** Binary: probability of the positive class >= 0.5; multiclass: the first most probable class. */
function labelNode(g: GraphBuilder, label: LabelTransform, probabilities: string): void {
  const to64 = [intAttribute('to', ONNX_ELEMENT_TYPES.int64)];
  if (label.kind === 'multiclass') {
    g.node('ArgMax', [probabilities], {
      hint: ONNX_LABEL,
      output: ONNX_LABEL,
      attributes: [intAttribute('axis', 1), intAttribute('keepdims', 0)],
    });
    return;
  }
  const positive = g.node('Gather', [probabilities, g.int64s('positive_column', [1], [])], {
    hint: 'positive',
    attributes: [intAttribute('axis', 1)],
  });
  const decided = g.node('GreaterOrEqual', [positive, g.doubles('threshold', [0.5])], {
    hint: 'decided',
  });
  g.node('Cast', [decided], { hint: ONNX_LABEL, output: ONNX_LABEL, attributes: to64 });
}

/**
 * What each probabilities column (and label value) means. A binary spec keeps only its positive
 * value, so the negative column is named after it.
 */
export function labelClasses(label: LabelTransform): string[] {
  switch (label.kind) {
    case 'binary':
      return label.positive === true
        ? ['false', 'true']
        : [`not ${label.positive}`, label.positive];
    case 'multiclass':
      return label.classes;
    case 'regression':
      throw new OnnxExportError(`label "${label.field}" is a regression target`);
  }
}

function checkExportable(spec: TransformSpec, network: Network, meta: Record<string, string>) {
  const fail = (reason: string): never => {
    throw new OnnxExportError(`cannot export ${spec.dataset} v${spec.version} to ONNX: ${reason}`);
  };
  if (spec.label.kind === 'regression') fail('only classification models are exported');
  if (spec.features.length === 0) fail('the transform has no features');
  const seen = new Set<string>();
  for (const { field } of spec.features) {
    if (field === '') fail('a feature field has an empty name');
    if (field === ONNX_PROBABILITIES || field === ONNX_LABEL) {
      fail(`feature field "${field}" would clash with the graph output of the same name`);
    }
    if (seen.has(field)) fail(`feature field "${field}" appears twice`);
    seen.add(field);
  }
  const width = spec.features.reduce(
    (n, f) => n + (f.kind === 'numeric' ? 1 : f.vocabulary.length + 1),
    0,
  );
  if (network.layers.length === 0) fail('the network has no layers');
  if (inputWidth(network) !== width) {
    fail(`the network takes ${inputWidth(network)} inputs, the transform makes ${width}`);
  }
  network.layers.forEach((layer, i) => {
    const previous = network.layers[i - 1];
    if (previous && previous.outputs !== layer.inputs) {
      fail(`layer ${i} takes ${layer.inputs} inputs, layer ${i - 1} gives ${previous.outputs}`);
    }
    if (
      layer.weights.length !== layer.inputs * layer.outputs ||
      layer.bias.length !== layer.outputs
    ) {
      fail(`layer ${i} has weights or bias of the wrong length`);
    }
  });
  const last = network.layers[network.layers.length - 1];
  const classes = labelClasses(spec.label).length;
  const sigmoid = last.outputs === 1 && last.activation === 'sigmoid' && classes === 2;
  const softmax = last.outputs === classes && last.activation === 'softmax';
  if (!sigmoid && !softmax) {
    fail(
      `a ${classes}-class label needs a last layer of ${classes === 2 ? 'one sigmoid output or ' : ''}` +
        `${classes} softmax outputs, not ${last.outputs} ${last.activation}`,
    );
  }
  const reserved = Object.keys(meta).filter((key) => key.startsWith('keelson.'));
  if (reserved.length > 0)
    fail(`metadata keys ${reserved.join(', ')} use the reserved "keelson." prefix`);
}
