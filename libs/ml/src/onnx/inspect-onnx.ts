import { ONNX_ELEMENT_TYPES, type OnnxElementType, type OnnxOpsetImport } from './onnx-model';
import {
  decodeString,
  int64Value,
  ProtoFormatError,
  protoFields,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
  type ProtoField,
} from './protobuf';

/** One graph input or output as declared in the model. */
export interface OnnxValueSummary {
  name: string;
  kind: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'opaque' | 'unknown';
  /** Tensors and sparse tensors: the element type ('unknown' for a code this reader predates). */
  elementType?: OnnxElementType | 'unknown';
  /**
   * Tensors and sparse tensors with a declared shape: a size, a symbolic name, or null for a
   * dimension left open. Absent when the rank itself is unknown.
   */
  shape?: (number | string | null)[];
}

/** What a caller needs to validate a model before loading it into a runtime. */
export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: OnnxOpsetImport[];
  metadata: Record<string, string>;
  graphName: string;
  /** The values a caller must feed: inputs backed by an initializer (IR < 4 style) are left out. */
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  /** Distinct operators the main graph uses, in first-use order ('' is the ONNX domain). */
  operators: { domain: string; opType: string }[];
}

const ELEMENT_TYPE_NAMES = new Map<number, OnnxElementType>(
  Object.entries(ONNX_ELEMENT_TYPES).map(([name, code]) => [code, name as OnnxElementType]),
);

/**
 * Reads the parts of an ONNX ModelProto that describe its interface, without decoding weights.
 * Meant for uploaded models, so it trusts nothing: malformed bytes throw ProtoFormatError. It does
 * not prove the model runs; loading it into onnxruntime does.
 */
export function inspectOnnx(bytes: Uint8Array): OnnxModelInfo {
  const info: OnnxModelInfo = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetImports: [],
    metadata: {},
    graphName: '',
    inputs: [],
    outputs: [],
    operators: [],
  };
  const metadata: [string, string][] = [];
  let graph: Uint8Array | undefined;
  for (const f of protoFields(bytes)) {
    if (f.field === 1) info.irVersion = int64Value(varint(f));
    else if (f.field === 2) info.producerName = text(f);
    else if (f.field === 3) info.producerVersion = text(f);
    else if (f.field === 7) graph = message(f);
    else if (f.field === 8) info.opsetImports.push(opsetImport(message(f)));
    else if (f.field === 14) metadata.push(entry(message(f)));
  }
  if (info.irVersion === 0) throw new ProtoFormatError('not an ONNX model: no ir_version');
  if (graph === undefined) throw new ProtoFormatError('not an ONNX model: no graph');
  // fromEntries defines own properties: a key such as "__proto__" stays an ordinary key.
  info.metadata = Object.fromEntries(metadata);
  readGraph(graph, info);
  return info;
}

function readGraph(bytes: Uint8Array, info: OnnxModelInfo): void {
  const initializers = new Set<string>();
  const inputs: OnnxValueSummary[] = [];
  const operators = new Map<string, { domain: string; opType: string }>();
  for (const f of protoFields(bytes)) {
    if (f.field === 1) {
      const op = nodeOperator(message(f));
      operators.set(`${op.domain}\u0000${op.opType}`, op);
    } else if (f.field === 2) info.graphName = text(f);
    else if (f.field === 5) initializers.add(tensorName(message(f)));
    else if (f.field === 11) inputs.push(valueInfo(message(f)));
    else if (f.field === 12) info.outputs.push(valueInfo(message(f)));
  }
  info.inputs = inputs.filter((input) => !initializers.has(input.name));
  info.operators = [...operators.values()];
}

function nodeOperator(bytes: Uint8Array): { domain: string; opType: string } {
  const op = { domain: '', opType: '' };
  for (const f of protoFields(bytes)) {
    if (f.field === 4) op.opType = text(f);
    else if (f.field === 7) op.domain = text(f);
  }
  // 'ai.onnx' is an alias of the default domain.
  if (op.domain === 'ai.onnx') op.domain = '';
  return op;
}

function tensorName(bytes: Uint8Array): string {
  let name = '';
  for (const f of protoFields(bytes)) if (f.field === 8) name = text(f);
  return name;
}

function valueInfo(bytes: Uint8Array): OnnxValueSummary {
  let name = '';
  let type: Omit<OnnxValueSummary, 'name'> = { kind: 'unknown' };
  for (const f of protoFields(bytes)) {
    if (f.field === 1) name = text(f);
    else if (f.field === 2) type = typeProto(message(f));
  }
  return { name, ...type };
}

/** TypeProto's oneof: tensor_type 1, sequence 4, map 5, opaque 7, sparse_tensor 8, optional 9. */
function typeProto(bytes: Uint8Array): Omit<OnnxValueSummary, 'name'> {
  let type: Omit<OnnxValueSummary, 'name'> = { kind: 'unknown' };
  for (const f of protoFields(bytes)) {
    if (f.field === 1) type = { kind: 'tensor', ...tensorType(message(f)) };
    else if (f.field === 8) type = { kind: 'sparse_tensor', ...tensorType(message(f)) };
    else if (f.field === 4) type = { kind: 'sequence' };
    else if (f.field === 5) type = { kind: 'map' };
    else if (f.field === 7) type = { kind: 'opaque' };
    else if (f.field === 9) type = { kind: 'optional' };
  }
  return type;
}

function tensorType(bytes: Uint8Array): Pick<OnnxValueSummary, 'elementType' | 'shape'> {
  const type: Pick<OnnxValueSummary, 'elementType' | 'shape'> = { elementType: 'unknown' };
  for (const f of protoFields(bytes)) {
    if (f.field === 1)
      type.elementType = ELEMENT_TYPE_NAMES.get(int64Value(varint(f))) ?? 'unknown';
    else if (f.field === 2) type.shape = shape(message(f));
  }
  return type;
}

function shape(bytes: Uint8Array): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  for (const f of protoFields(bytes)) {
    if (f.field !== 1) continue;
    let dim: number | string | null = null;
    for (const d of protoFields(message(f))) {
      if (d.field === 1) dim = int64Value(varint(d));
      else if (d.field === 2) dim = text(d);
    }
    dims.push(dim);
  }
  return dims;
}

function opsetImport(bytes: Uint8Array): OnnxOpsetImport {
  const opset = { domain: '', version: 0 };
  for (const f of protoFields(bytes)) {
    if (f.field === 1) opset.domain = text(f);
    else if (f.field === 2) opset.version = int64Value(varint(f));
  }
  if (opset.domain === 'ai.onnx') opset.domain = '';
  return opset;
}

function entry(bytes: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  for (const f of protoFields(bytes)) {
    if (f.field === 1) key = text(f);
    else if (f.field === 2) value = text(f);
  }
  return [key, value];
}

function varint(f: ProtoField): bigint {
  if (f.wire !== WIRE_VARINT) throw new ProtoFormatError(`field ${f.field}: expected a varint`);
  return f.value;
}

function message(f: ProtoField): Uint8Array {
  if (f.wire !== WIRE_LENGTH_DELIMITED) {
    throw new ProtoFormatError(`field ${f.field}: expected a length-delimited value`);
  }
  return f.bytes;
}

function text(f: ProtoField): string {
  return decodeString(message(f));
}
