import {
  DATATYPES,
  ORT_TYPE,
  type Datatype,
  type Tensor,
  type TensorData,
} from '../protocol/tensor';

/**
 * A model input or output as the Open Inference Protocol's model metadata describes it: shape
 * with -1 for every symbolic (variable) dimension.
 */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelMetadata {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

const DATATYPE_OF_ORT_TYPE = new Map<string, Datatype>(DATATYPES.map((d) => [ORT_TYPE[d], d]));

/** The OIP datatype of an onnxruntime tensor type, or undefined where OIP has none (int4, ...). */
export const datatypeOfOrtType = (type: string): Datatype | undefined =>
  DATATYPE_OF_ORT_TYPE.get(type);

/** One input or output of `session.inputMetadata` / `outputMetadata`, as onnxruntime gives it. */
export type OrtValueMetadata =
  | { name: string; isTensor: false }
  | { name: string; isTensor: true; type: string; shape: ReadonlyArray<number | string> };

/**
 * Maps onnxruntime's metadata to OIP's; throws on what the protocol cannot carry (sequences, maps,
 * 4-bit integers), so such a model fails to load instead of failing every request.
 */
export function toTensorMetadata(value: OrtValueMetadata): TensorMetadata {
  if (!value.isTensor) throw new Error(`'${value.name}' is not a tensor`);
  const datatype = datatypeOfOrtType(value.type);
  if (!datatype) throw new Error(`'${value.name}' has type ${value.type}, which OIP cannot carry`);
  return {
    name: value.name,
    datatype,
    shape: value.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  };
}

/**
 * Whether requests can be concatenated along dimension 0: every input and output has a variable
 * first dimension (Triton's max_batch_size > 0). A model with a fixed first dimension runs each
 * request on its own.
 */
export const supportsBatching = (metadata: ModelMetadata): boolean =>
  [...metadata.inputs, ...metadata.outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);

/** Zeros of a datatype, `length` elements long. */
export function zeros(datatype: Datatype, length: number): TensorData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(length);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'BYTES':
      return Array.from({ length }, () => '');
  }
}

/**
 * A one-row request of zeros (empty strings for BYTES), every variable dimension set to 1: what
 * warm-up runs so the first real request does not pay for onnxruntime's first-run allocations.
 */
export function warmUpInputs(inputs: readonly TensorMetadata[]): Tensor[] {
  return inputs.map((input) => {
    const shape = input.shape.map((d) => (d < 0 ? 1 : d));
    const length = shape.reduce((n, d) => n * d, 1);
    return {
      name: input.name,
      datatype: input.datatype,
      shape,
      data: zeros(input.datatype, length),
    };
  });
}
