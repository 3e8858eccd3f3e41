import { elementCount, type Datatype, type Tensor } from '../protocol/tensor';
import { InvalidInferenceRequestError } from './engine-errors';
import type { ModelMetadata } from './tensor-metadata';

/**
 * The array type each datatype's data must be, by tag rather than instanceof: data decoded in
 * another realm (a worker, a jest sandbox) carries other constructors but the same tags.
 */
const DATA_TAG: Record<Exclude<Datatype, 'BYTES'>, string> = {
  BOOL: 'Uint8Array',
  UINT8: 'Uint8Array',
  UINT16: 'Uint16Array',
  UINT32: 'Uint32Array',
  UINT64: 'BigUint64Array',
  INT8: 'Int8Array',
  INT16: 'Int16Array',
  INT32: 'Int32Array',
  INT64: 'BigInt64Array',
  FP16: 'Uint16Array',
  FP32: 'Float32Array',
  FP64: 'Float64Array',
};

const fail = (message: string): never => {
  throw new InvalidInferenceRequestError(message);
};

/**
 * Checks a request against the model before it is queued: one bad request joined to a batch would
 * otherwise fail every request in it. Throws InvalidInferenceRequestError with the first problem.
 */
export function validateRequest(
  metadata: ModelMetadata,
  inputs: readonly Tensor[],
  outputs?: readonly string[],
): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    const expected = metadata.inputs.find((m) => m.name === input.name);
    if (!expected) fail(`unknown input '${input.name}'`);
    if (seen.has(input.name)) fail(`input '${input.name}' is given twice`);
    seen.add(input.name);
    if (input.datatype !== expected!.datatype) {
      fail(`input '${input.name}' must be ${expected!.datatype}, not ${input.datatype}`);
    }
    const { shape } = input;
    if (
      shape.length !== expected!.shape.length ||
      shape.some(
        (d, i) =>
          !Number.isInteger(d) || d < 0 || (expected!.shape[i] >= 0 && d !== expected!.shape[i]),
      )
    ) {
      fail(
        `input '${input.name}' has shape [${shape.join(', ')}]; the model takes [${expected!.shape.join(', ')}] (-1: any)`,
      );
    }
    const isArray = Array.isArray(input.data);
    const kindOk =
      input.datatype === 'BYTES'
        ? isArray
        : !isArray && (input.data as Uint8Array)[Symbol.toStringTag] === DATA_TAG[input.datatype];
    if (!kindOk) fail(`input '${input.name}' data does not hold ${input.datatype} values`);
    if (input.data.length !== elementCount(shape)) {
      fail(`input '${input.name}' has ${input.data.length} values for shape [${shape.join(', ')}]`);
    }
  }
  if (seen.size !== metadata.inputs.length) {
    fail(
      `missing inputs: ${metadata.inputs
        .filter((m) => !seen.has(m.name))
        .map((m) => m.name)
        .join(', ')}`,
    );
  }
  if (outputs) {
    if (outputs.length === 0) fail('no outputs requested');
    for (const name of outputs) {
      if (!metadata.outputs.some((m) => m.name === name)) fail(`unknown output '${name}'`);
    }
    if (new Set(outputs).size !== outputs.length) fail('an output is requested twice');
  }
}
