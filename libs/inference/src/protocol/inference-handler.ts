import { invalid } from './errors';
import type { Datatype, Tensor } from './tensor';

/**
 * The protocol's `$parameters`: name/value pairs whose values are strings, numbers or booleans
 * (gRPC's InferParameter oneof carries the same three kinds).
 */
export type InferParameterValue = string | number | boolean;
export type InferParameters = Record<string, InferParameterValue>;

/** An output the client asks for; none listed means every output of the model. */
export interface RequestedOutput {
  name: string;
  parameters?: InferParameters;
}

/** An inference request as the codecs decode it, whatever the transport. */
export interface InferRequest {
  model: string;
  version?: string;
  id?: string;
  parameters?: InferParameters;
  inputs: Tensor[];
  outputs?: RequestedOutput[];
  /** When the caller stops waiting, in `Date.now()` milliseconds (from the gRPC deadline). */
  deadlineMs?: number;
}

export interface InferResponse {
  model: string;
  version?: string;
  /** The request's id, echoed. */
  id?: string;
  parameters?: InferParameters;
  outputs: Tensor[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** A model input or output; -1 marks a variable-size dimension (e.g. the batch). */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** What every Keelson model runs on; the platform name Triton gives ONNX Runtime models. */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

export interface ModelMetadata {
  name: string;
  versions?: string[];
  /** Defaults to {@link ONNX_PLATFORM}. */
  platform?: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/**
 * What a prediction node or the gateway implements once; the REST and gRPC front ends translate
 * to and from it. Failures are thrown as InferenceError (e.g. NOT_FOUND for an unknown model).
 */
export interface InferenceHandler {
  serverLive(): boolean | Promise<boolean>;
  serverReady(): boolean | Promise<boolean>;
  modelReady(name: string, version?: string): boolean | Promise<boolean>;
  serverMetadata(): ServerMetadata | Promise<ServerMetadata>;
  modelMetadata(name: string, version?: string): ModelMetadata | Promise<ModelMetadata>;
  infer(request: InferRequest): Promise<InferResponse>;
  /**
   * For a handler that relays (the gateway): a REST inference call as it came, body unread,
   * answered with the bytes of a REST inference response. The REST front end calls this instead
   * of `infer` when it is there, so a relay does not decode and re-encode every tensor twice; the
   * server it relays to validates the body as it would its own client's.
   */
  inferRestBody?(request: RestInferCall): Promise<Uint8Array>;
  /**
   * The same for a protobuf `ModelInferRequest` (a gRPC client's ModelInfer, or a REST call with
   * `Content-Type: application/x-protobuf`), answered with a `ModelInferResponse`'s bytes.
   */
  inferProtoBody?(request: ProtoInferCall): Promise<Uint8Array>;
}

/** A REST inference call whose body has not been decoded. */
export interface RestInferCall {
  model: string;
  version?: string;
  /** The request body's bytes: an `$inference_request` in JSON. */
  body: Uint8Array;
  /** When the caller stops waiting, in `Date.now()` milliseconds. */
  deadlineMs?: number;
}

/**
 * A protobuf inference call whose body has not been decoded. `model` and `version` are where it
 * goes: the REST path's, or those the message itself names (gRPC).
 */
export interface ProtoInferCall {
  model: string;
  version?: string;
  /** A `ModelInferRequest` in protobuf. */
  body: Uint8Array;
  /** When the caller stops waiting, in `Date.now()` milliseconds. */
  deadlineMs?: number;
}

/**
 * The outputs a request asked for, in the order it asked; all of them when it named none. An
 * unknown name is the client's mistake (INVALID_ARGUMENT), as in Triton.
 */
export function selectOutputs(outputs: Tensor[], requested?: RequestedOutput[]): Tensor[] {
  if (!requested || requested.length === 0) return outputs;
  const byName = new Map(outputs.map((t) => [t.name, t]));
  return requested.map(({ name }) => {
    const tensor = byName.get(name);
    if (!tensor) {
      const known = [...byName.keys()].join(', ');
      throw invalid(`unknown output '${name}' requested; the model has: ${known}`);
    }
    return tensor;
  });
}
