/**
 * The gRPC side of the Open Inference Protocol v2: ModelInferRequest/Response messages (as
 * proto-loader decodes them, see grpc-messages.ts) to and from Tensors. Tensor data travels either
 * in typed `contents` or in `raw_*_contents`; the checks and messages are the JSON codec's.
 */
import { invalid } from './errors';
import type {
  InferParameters,
  InferRequest,
  InferResponse,
  RequestedOutput,
} from './inference-handler';
import type {
  InferParameterMap,
  InferTensorContentsMessage,
  InferTensorMessage,
  ModelInferRequestMessage,
  ModelInferResponseMessage,
} from './grpc-messages';
import { decodeRawContents, encodeRawContents } from './raw-contents';
import { elementCount, type Datatype, type Tensor } from './tensor';
import {
  checkElementCount,
  checkUniqueNames,
  describe,
  parseDatatype,
  parseShape,
  tensorFromElements,
  tensorLabel,
} from './tensor-values';

type ContentsField = keyof InferTensorContentsMessage;

/** The typed-contents field of each datatype; FP16 has none and must travel raw. */
const CONTENTS_FIELD: Record<Exclude<Datatype, 'FP16'>, ContentsField> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const filledFields = (contents: InferTensorContentsMessage | null | undefined): ContentsField[] =>
  contents
    ? (Object.keys(contents) as ContentsField[]).filter((k) => (contents[k]?.length ?? 0) > 0)
    : [];

/** A decoded request, plus whether it carried raw contents (its response then does too). */
export interface DecodedInferRequest extends Omit<InferRequest, 'deadlineMs'> {
  raw: boolean;
}

export function parseModelInferRequest(message: ModelInferRequestMessage): DecodedInferRequest {
  if (!message.model_name) throw invalid('model_name is required');
  if (!message.inputs || message.inputs.length === 0) {
    throw invalid('the request needs at least one input');
  }
  const raw = message.raw_input_contents ?? [];
  const request: DecodedInferRequest = {
    model: message.model_name,
    inputs: tensorsFromMessages('input', message.inputs, raw),
    raw: raw.length > 0,
  };
  if (message.model_version) request.version = message.model_version;
  if (message.id) request.id = message.id;
  const parameters = decodeParameters('request', message.parameters);
  if (parameters) request.parameters = parameters;
  if (message.outputs && message.outputs.length > 0) {
    request.outputs = message.outputs.map((output, i) => {
      if (!output.name) throw invalid(`outputs[${i}] needs a name`);
      const requested: RequestedOutput = { name: output.name };
      const outputParameters = decodeParameters(
        tensorLabel('output', output.name),
        output.parameters,
      );
      if (outputParameters) requested.parameters = outputParameters;
      return requested;
    });
    checkUniqueNames(
      'output',
      request.outputs.map((o) => o.name),
    );
  }
  return request;
}

/** The response to a request: raw contents when the request used them (as Triton answers). */
export function modelInferResponseMessage(
  response: InferResponse,
  raw: boolean,
): ModelInferResponseMessage {
  const encoded = encodeTensors(response.outputs, raw);
  return {
    model_name: response.model,
    model_version: response.version ?? '',
    id: response.id ?? '',
    parameters: encodeParameters(response.parameters),
    outputs: encoded.tensors,
    raw_output_contents: encoded.raw,
  };
}

/** A request as a client sends it (raw contents by default, as Triton's clients do). */
export function modelInferRequestMessage(
  request: Omit<InferRequest, 'deadlineMs'>,
  raw = true,
): ModelInferRequestMessage {
  const encoded = encodeTensors(request.inputs, raw);
  return {
    model_name: request.model,
    model_version: request.version ?? '',
    id: request.id ?? '',
    parameters: encodeParameters(request.parameters),
    inputs: encoded.tensors,
    outputs: (request.outputs ?? []).map((o) => ({
      name: o.name,
      parameters: encodeParameters(o.parameters),
    })),
    raw_input_contents: encoded.raw,
  };
}

/** A response as a client reads it, with the same checks a server applies to requests. */
export function parseModelInferResponse(message: ModelInferResponseMessage): InferResponse {
  const response: InferResponse = {
    model: message.model_name,
    outputs: tensorsFromMessages(
      'output',
      message.outputs ?? [],
      message.raw_output_contents ?? [],
    ),
  };
  if (message.model_version) response.version = message.model_version;
  if (message.id) response.id = message.id;
  const parameters = decodeParameters('response', message.parameters);
  if (parameters) response.parameters = parameters;
  return response;
}

function tensorsFromMessages(
  role: 'input' | 'output',
  messages: InferTensorMessage[],
  raw: Uint8Array[],
): Tensor[] {
  const rawField = role === 'input' ? 'raw_input_contents' : 'raw_output_contents';
  if (raw.length > 0 && raw.length !== messages.length) {
    throw invalid(
      `${rawField} has ${raw.length} entries but there are ${messages.length} ${role}s`,
    );
  }
  const tensors = messages.map((message, i) => {
    if (!message.name) throw invalid(`${role}s[${i}] needs a name`);
    const where = tensorLabel(role, message.name);
    const datatype = parseDatatype(where, message.datatype);
    const shape = parseShape(where, message.shape);
    const filled = filledFields(message.contents);
    if (raw.length > 0) {
      if (filled.length > 0) {
        throw invalid(
          `${where}: has both contents and ${rawField}; a request uses one or the other`,
        );
      }
      return {
        name: message.name,
        datatype,
        shape,
        data: decodeRawContents(where, datatype, shape, raw[i]),
      };
    }
    return tensorFromContents(where, message.name, datatype, shape, message.contents, filled);
  });
  checkUniqueNames(
    role,
    tensors.map((t) => t.name),
  );
  return tensors;
}

function tensorFromContents(
  where: string,
  name: string,
  datatype: Datatype,
  shape: number[],
  contents: InferTensorContentsMessage | null | undefined,
  filled: ContentsField[],
): Tensor {
  if (datatype === 'FP16') {
    if (filled.length > 0 || elementCount(shape) > 0) {
      throw invalid(`${where}: FP16 has no typed contents field; send it in raw_input_contents`);
    }
    return { name, datatype, shape, data: new Uint16Array(0) };
  }
  const field = CONTENTS_FIELD[datatype];
  const stray = filled.find((f) => f !== field);
  if (stray) throw invalid(`${where}: ${datatype} data belongs in contents.${field}, not ${stray}`);
  if (filled.length === 0 && elementCount(shape) > 0) {
    checkElementCount(`${where} (no contents and no raw contents)`, shape, 0);
  }
  return tensorFromElements(where, name, datatype, shape, contents?.[field] ?? []);
}

function encodeTensors(
  tensors: Tensor[],
  raw: boolean,
): { tensors: InferTensorMessage[]; raw: Buffer[] } {
  // FP16 exists only as raw contents, and raw contents are all or nothing.
  const useRaw = raw || tensors.some((t) => t.datatype === 'FP16');
  return {
    tensors: tensors.map((t) => {
      const message: InferTensorMessage = { name: t.name, datatype: t.datatype, shape: t.shape };
      if (!useRaw) message.contents = typedContents(t);
      return message;
    }),
    raw: useRaw ? tensors.map(encodeRawContents) : [],
  };
}

function typedContents(tensor: Tensor): InferTensorContentsMessage {
  const { datatype, data } = tensor;
  switch (datatype) {
    case 'BOOL':
      return { bool_contents: Array.from(data as Uint8Array, (b) => b !== 0) };
    case 'INT64':
    case 'UINT64':
      return { [CONTENTS_FIELD[datatype]]: Array.from(data as BigInt64Array, String) };
    case 'BYTES':
      return { bytes_contents: (data as string[]).map((s) => Buffer.from(s, 'utf8')) };
    case 'FP16':
      throw new Error('FP16 tensors are encoded as raw contents');
    default:
      return { [CONTENTS_FIELD[datatype]]: Array.from(data as Float64Array) };
  }
}

/** InferParameter maps to plain values; 64-bit integers must fit a JS number exactly. */
export function decodeParameters(
  where: string,
  map: InferParameterMap | undefined,
): InferParameters | undefined {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return undefined;
  const out: InferParameters = {};
  for (const [key, parameter] of entries) {
    const choice = parameter.parameter_choice;
    const value = choice === undefined ? undefined : parameter[choice];
    if (choice === 'int64_param' || choice === 'uint64_param') {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) {
        throw invalid(
          `${where} parameter '${key}' (${describe(value)}) is beyond 2^53 and not supported`,
        );
      }
      out[key] = n;
    } else if (value === undefined) {
      throw invalid(`${where} parameter '${key}' has no value`);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Integers go as int64_param, other numbers as double_param (as Triton's clients choose). */
export function encodeParameters(parameters: InferParameters | undefined): InferParameterMap {
  const map: InferParameterMap = {};
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (typeof value === 'boolean') map[key] = { bool_param: value };
    else if (typeof value === 'string') map[key] = { string_param: value };
    else if (Number.isSafeInteger(value)) map[key] = { int64_param: value };
    else map[key] = { double_param: value };
  }
  return map;
}
