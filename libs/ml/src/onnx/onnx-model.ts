import {
  littleEndianFloat32,
  littleEndianFloat64,
  littleEndianInt64,
  ProtoWriter,
} from './protobuf';

/**
 * The ONNX subset the exporter writes, as plain data, and its encoder. Field numbers are those of
 * onnx/onnx.proto (stable across IR versions: fields are only ever added).
 */

/** TensorProto.DataType codes, named as onnxruntime's `Tensor.Type` names them. */
export const ONNX_ELEMENT_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
  float8e8m0: 24,
  uint2: 25,
  int2: 26,
} as const;

export type OnnxElementType = keyof typeof ONNX_ELEMENT_TYPES;

/** A dimension: a size, or a symbolic name such as 'batch'. */
export type OnnxDim = number | string;

/** A constant tensor (an initializer, or a `tensor` attribute). */
export type OnnxTensor = { name?: string; dims: number[] } & (
  | { type: 'float32'; data: Float32Array }
  | { type: 'float64'; data: Float64Array }
  | { type: 'int64'; data: BigInt64Array }
  | { type: 'string'; data: string[] }
);

export type OnnxAttribute = { name: string } & (
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
);

export interface OnnxNode {
  opType: string;
  /** '' (or absent) for the default ONNX domain. */
  domain?: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A graph input or output: tensors only, which is all the exporter declares. */
export interface OnnxValueInfo {
  name: string;
  elementType: OnnxElementType;
  shape: OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxOpsetImport {
  /** '' for the default ONNX domain, e.g. 'ai.onnx.ml' otherwise. */
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: OnnxOpsetImport[];
  producerName: string;
  producerVersion?: string;
  docString?: string;
  graph: OnnxGraph;
  metadata?: Record<string, string>;
}

/** AttributeProto.AttributeType codes. */
const ATTRIBUTE_TYPES: Record<OnnxAttribute['kind'], number> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
};

/** Serialises a model to the bytes of an ONNX ModelProto. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, model.irVersion);
  w.string(2, model.producerName);
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  if (model.docString !== undefined) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsetImports) {
    w.message(8, (o) => {
      if (opset.domain !== '') o.string(1, opset.domain);
      o.varint(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (e) => e.string(1, key).string(2, value));
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name !== undefined) w.string(3, node.name);
  w.string(4, node.opType);
  for (const attribute of node.attributes ?? []) w.message(5, (a) => writeAttribute(a, attribute));
  if (node.domain) w.string(7, node.domain);
}

function writeAttribute(w: ProtoWriter, attribute: OnnxAttribute): void {
  w.string(1, attribute.name);
  w.varint(20, ATTRIBUTE_TYPES[attribute.kind]);
  switch (attribute.kind) {
    case 'float':
      w.float(2, attribute.value);
      return;
    case 'int':
      w.varint(3, attribute.value);
      return;
    case 'string':
      w.string(4, attribute.value);
      return;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, attribute.value));
      return;
    case 'floats':
      w.packedFloats(7, attribute.value);
      return;
    case 'ints':
      w.packedVarints(8, attribute.value);
      return;
    case 'strings':
      for (const s of attribute.value) w.string(9, s);
      return;
  }
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  w.packedVarints(1, tensor.dims);
  w.varint(2, ONNX_ELEMENT_TYPES[tensor.type]);
  if (tensor.name !== undefined) w.string(8, tensor.name);
  switch (tensor.type) {
    // Strings must use string_data; every other type goes as raw little-endian bytes.
    case 'string':
      for (const s of tensor.data) w.string(6, s);
      return;
    case 'float32':
      w.bytes(9, littleEndianFloat32(tensor.data));
      return;
    case 'float64':
      w.bytes(9, littleEndianFloat64(tensor.data));
      return;
    case 'int64':
      w.bytes(9, littleEndianInt64(tensor.data));
      return;
  }
}

function writeValueInfo(w: ProtoWriter, value: OnnxValueInfo): void {
  w.string(1, value.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, ONNX_ELEMENT_TYPES[value.elementType]);
      tensor.message(2, (shape) => {
        for (const dim of value.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}
