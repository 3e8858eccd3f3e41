/**
 * The protocol's gRPC messages as @grpc/proto-loader hands them over with {@link
 * PROTO_LOADER_OPTIONS}: snake_case fields as in the .proto, 64-bit integers as decimal strings
 * (exact), bytes as Buffers, every field present (defaults), and `parameter_choice` naming the set
 * member of InferParameter's oneof. Outgoing messages take the same shape; proto-loader also
 * accepts numbers for the 64-bit fields there.
 */
import type { Options } from '@grpc/proto-loader';

export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** A 64-bit integer on the wire: a decimal string when decoded; a string or number when encoding. */
export type Int64Field = string | number;

export interface InferParameterMessage {
  bool_param?: boolean;
  int64_param?: Int64Field;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64Field;
  parameter_choice?:
    'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

export type InferParameterMap = Record<string, InferParameterMessage>;

export interface InferTensorContentsMessage {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64Field[];
  uint_contents?: number[];
  uint64_contents?: Int64Field[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

/** InferInputTensor and InferOutputTensor have the same fields. */
export interface InferTensorMessage {
  name: string;
  datatype: string;
  shape: Int64Field[];
  parameters?: InferParameterMap;
  contents?: InferTensorContentsMessage | null;
}

export interface RequestedOutputMessage {
  name: string;
  parameters?: InferParameterMap;
}

export interface ModelInferRequestMessage {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameterMap;
  inputs: InferTensorMessage[];
  outputs?: RequestedOutputMessage[];
  raw_input_contents?: Uint8Array[];
}

export interface ModelInferResponseMessage {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameterMap;
  outputs: InferTensorMessage[];
  raw_output_contents?: Uint8Array[];
}

export interface ModelNameMessage {
  name: string;
  version?: string;
}

export interface ServerMetadataMessage {
  name: string;
  version: string;
  extensions: string[];
}

export interface TensorMetadataMessage {
  name: string;
  datatype: string;
  shape: Int64Field[];
}

export interface ModelMetadataMessage {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadataMessage[];
  outputs: TensorMetadataMessage[];
}
