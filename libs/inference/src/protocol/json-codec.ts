/**
 * The REST (`application/json`) side of the Open Inference Protocol v2: request bodies in, response
 * and metadata bodies out. Front ends route `/v2/...` and call these; every mistake in a request is
 * an InferenceError('INVALID_ARGUMENT') whose message names the tensor and the problem.
 */
import { invalid } from './errors';
import { halfToNumber, numberToHalf } from './fp16';
import {
  ONNX_PLATFORM,
  type InferParameters,
  type ModelMetadata,
  type RequestedOutput,
  type ServerMetadata,
  type TensorMetadata,
} from './inference-handler';
import type { Datatype, Tensor } from './tensor';
import {
  checkUniqueNames,
  describe,
  formatShape,
  parseDatatype,
  parseShape,
  tensorFromElements,
  tensorLabel,
} from './tensor-values';

/** An inference request body, decoded; the model and version come from the URL. */
export interface ParsedInferRequest {
  id?: string;
  parameters?: InferParameters;
  inputs: Tensor[];
  outputs?: RequestedOutput[];
}

/** A JSON tensor element: numbers, except 64-bit integers past 2^53 and non-finite floats. */
export type JsonElement = number | string | boolean;

export interface TensorJson {
  name: string;
  datatype: Datatype;
  shape: number[];
  parameters?: InferParameters;
  data: JsonElement[];
}

export interface InferResponseJson {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameters;
  outputs: TensorJson[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The protocol leaves these to extensions we do not implement; ignoring them would read the wrong
 * data, so they are refused.
 */
const REFUSED_INPUT_PARAMETERS: Record<string, string> = {
  binary_data_size:
    "the binary tensor data extension (parameter 'binary_data_size') is not supported; send the data as JSON (tritonclient: binary_data=False)",
  shared_memory_region:
    "the shared-memory extension (parameter 'shared_memory_region') is not supported",
};

export function parseInferRequest(body: unknown): ParsedInferRequest {
  if (!isObject(body)) throw invalid('the request body must be a JSON object');
  const request: ParsedInferRequest = { inputs: parseInputs(body.inputs) };
  if (body.id !== undefined) {
    if (typeof body.id !== 'string') throw invalid(`id must be a string, not ${describe(body.id)}`);
    request.id = body.id;
  }
  const parameters = parseParameters('request', body.parameters);
  if (parameters) request.parameters = parameters;
  if (body.outputs !== undefined) request.outputs = parseRequestedOutputs(body.outputs);
  return request;
}

function parseInputs(value: unknown): Tensor[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid("the request needs a non-empty 'inputs' array");
  }
  const inputs = value.map((input, i) => {
    if (!isObject(input)) throw invalid(`inputs[${i}] must be an object`);
    if (typeof input.name !== 'string' || input.name === '') {
      throw invalid(`inputs[${i}] needs a name (a non-empty string)`);
    }
    const where = tensorLabel('input', input.name);
    const parameters = parseParameters(where, input.parameters);
    for (const key of Object.keys(parameters ?? {})) {
      if (key in REFUSED_INPUT_PARAMETERS)
        throw invalid(`${where}: ${REFUSED_INPUT_PARAMETERS[key]}`);
    }
    const datatype = parseDatatype(where, input.datatype);
    const shape = parseShape(where, input.shape);
    if (input.data === undefined) throw invalid(`${where}: data is missing`);
    return tensorFromElements(
      where,
      input.name,
      datatype,
      shape,
      flattenData(where, shape, input.data),
    );
  });
  checkUniqueNames(
    'input',
    inputs.map((t) => t.name),
  );
  return inputs;
}

/**
 * The row-major elements of `data`, given flat or nested to match the shape exactly (the spec
 * allows both; a ragged or partly nested array is refused rather than guessed at).
 */
function flattenData(where: string, shape: number[], data: unknown): unknown[] {
  if (!Array.isArray(data)) throw invalid(`${where}: data must be an array`);
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) {
        throw invalid(`${where}: data${path} nests deeper than shape ${formatShape(shape)}`);
      }
      out.push(node);
      return;
    }
    if (!Array.isArray(node)) {
      throw invalid(
        `${where}: data${path} is ${describe(node)} where shape ${formatShape(shape)} needs an array of ${shape[depth]}`,
      );
    }
    if (node.length !== shape[depth]) {
      throw invalid(
        `${where}: data${path} has ${node.length} entries but shape ${formatShape(shape)} needs ${shape[depth]} along dimension ${depth}`,
      );
    }
    node.forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return out;
}

function parseRequestedOutputs(value: unknown): RequestedOutput[] {
  if (!Array.isArray(value)) throw invalid("'outputs' must be an array");
  const outputs = value.map((output, i) => {
    if (!isObject(output) || typeof output.name !== 'string' || output.name === '') {
      throw invalid(`outputs[${i}] needs a name (a non-empty string)`);
    }
    const requested: RequestedOutput = { name: output.name };
    const parameters = parseParameters(tensorLabel('output', output.name), output.parameters);
    if (parameters) requested.parameters = parameters;
    return requested;
  });
  checkUniqueNames(
    'output',
    outputs.map((o) => o.name),
  );
  return outputs;
}

/** `$parameters`: an object of strings, numbers and booleans. */
export function parseParameters(where: string, value: unknown): InferParameters | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(`${where} parameters must be an object`);
  for (const [key, v] of Object.entries(value)) {
    if (
      typeof v !== 'string' &&
      typeof v !== 'boolean' &&
      !(typeof v === 'number' && Number.isFinite(v))
    ) {
      throw invalid(
        `${where} parameter '${key}' is ${describe(v)}, not a string, number or boolean`,
      );
    }
  }
  return value as InferParameters;
}

/** The spec's inference response body. Binary-output requests are answered in JSON too. */
export function inferResponseJson(
  model: string,
  version: string | undefined,
  id: string | undefined,
  outputs: Tensor[],
  parameters?: InferParameters,
): InferResponseJson {
  return {
    model_name: model,
    ...(version !== undefined && { model_version: version }),
    ...(id !== undefined && { id }),
    ...(parameters && Object.keys(parameters).length > 0 && { parameters }),
    outputs: outputs.map(tensorJson),
  };
}

/** A tensor as the spec's `$response_output` (also a valid `$request_input`): flat data. */
export function tensorJson(tensor: Tensor): TensorJson {
  return {
    name: tensor.name,
    datatype: tensor.datatype,
    shape: tensor.shape,
    data: jsonElements(tensor),
  };
}

const nonFinite = (v: number): string =>
  Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';

/**
 * The fewest significant digits that read back as the same float: FP32 outputs print as 0.1, not
 * 0.10000000149011612 (the shortest form of the widened double), and FP16 likewise. Starting at
 * `from` digits is safe: a float's error is below half a step of that many digits, so a shorter
 * form, if any, is what toPrecision(from) gives.
 */
function shortest(v: number, from: number, to: number, same: (x: number) => boolean): number {
  for (let p = from; p < to; p++) {
    const x = Number(v.toPrecision(p));
    if (same(x)) return x;
  }
  return v;
}

function jsonElements(tensor: Tensor): JsonElement[] {
  const { datatype, data } = tensor;
  switch (datatype) {
    case 'BYTES':
      return [...(data as string[])];
    case 'BOOL':
      return Array.from(data as Uint8Array, (b) => b !== 0);
    case 'INT64':
    case 'UINT64':
      // Exact either way: numbers while JSON parsers keep them exact, decimal strings past that.
      return Array.from(data as BigInt64Array, (v) =>
        v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v.toString(),
      );
    case 'FP16':
      return Array.from(data as Uint16Array, (bits) => {
        const v = halfToNumber(bits);
        return Number.isFinite(v)
          ? shortest(v, 3, 6, (x) => numberToHalf(x) === bits)
          : nonFinite(v);
      });
    case 'FP32':
      return Array.from(data as Float32Array, (v) =>
        Number.isFinite(v) ? shortest(v, 6, 10, (x) => Math.fround(x) === v) : nonFinite(v),
      );
    case 'FP64':
      return Array.from(data as Float64Array, (v) => (Number.isFinite(v) ? v : nonFinite(v)));
    default:
      return Array.from(data as Int32Array);
  }
}

export interface ServerMetadataJson {
  name: string;
  version: string;
  extensions: string[];
}

export interface ModelMetadataJson {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** Body of `GET /v2`. */
export function serverMetadataJson(meta: ServerMetadata): ServerMetadataJson {
  return { name: meta.name, version: meta.version, extensions: [...meta.extensions] };
}

/** Body of `GET /v2/models/{name}[/versions/{v}]`. */
export function modelMetadataJson(meta: ModelMetadata): ModelMetadataJson {
  const tensor = ({ name, datatype, shape }: TensorMetadata): TensorMetadata => ({
    name,
    datatype,
    shape,
  });
  return {
    name: meta.name,
    ...(meta.versions && { versions: [...meta.versions] }),
    platform: meta.platform ?? ONNX_PLATFORM,
    inputs: meta.inputs.map(tensor),
    outputs: meta.outputs.map(tensor),
  };
}
