/**
 * Tensors as the Open Inference Protocol v2 names them, in the one in-memory form every part of
 * serving shares: the REST and gRPC codecs produce and consume it, the batcher concatenates and
 * splits it, the inference workers hand it to onnxruntime.
 */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

/**
 * The data of each datatype: BOOL as 0/1 bytes, FP16 as raw IEEE half bits, INT64/UINT64 as
 * bigint arrays, BYTES as strings (onnxruntime's string tensors; BYTES that are not UTF-8 cannot
 * reach a model anyway). Row-major, flattened.
 */
export interface TensorDataOf {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: string[];
}
export type TensorData = TensorDataOf[Datatype];

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** onnxruntime's tensor type name for each datatype. */
export const ORT_TYPE: Record<Datatype, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

/** Elements a shape holds. */
export const elementCount = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);
