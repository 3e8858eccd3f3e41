import type { Tensor, TensorData } from '../protocol/tensor';

/**
 * Concatenating requests into one batch along dimension 0 and splitting the outputs back: the
 * data side of dynamic batching, free of queues and threads.
 */

/**
 * Rows of a request: the first dimension its inputs share, or undefined when they do not share one
 * (a scalar input, or inputs whose first dimensions differ), so it cannot join a batch.
 */
export function rowsOf(inputs: readonly Tensor[]): number | undefined {
  if (inputs.length === 0 || inputs[0].shape.length === 0) return undefined;
  const rows = inputs[0].shape[0];
  for (const input of inputs)
    if (input.shape.length === 0 || input.shape[0] !== rows) return undefined;
  return rows;
}

/**
 * What requests must share to run in one batch: input names, datatypes and every dimension but
 * the first, and the outputs asked for. Input order does not matter.
 */
export function batchKey(inputs: readonly Tensor[], outputs?: readonly string[]): string {
  const parts = inputs.map(
    (t) => `${t.name}\u0000${t.datatype}\u0000${t.shape.slice(1).join(',')}`,
  );
  if (parts.length > 1) parts.sort();
  return `${parts.join('\u0001')}\u0002${outputs ? outputs.join('\u0001') : '*'}`;
}

/** Elements in one row of a tensor (the product of every dimension but the first). */
const rowWidth = (shape: readonly number[]): number => {
  let width = 1;
  for (let i = 1; i < shape.length; i++) width *= shape[i];
  return width;
};

type TypedArray = Exclude<TensorData, string[]>;
type TypedArrayConstructor = new (length: number) => TypedArray;

/** Concatenates the data of same-kind tensors, in order. */
function concatData(parts: readonly TensorData[], total: number): TensorData {
  if (Array.isArray(parts[0])) {
    const out: string[] = new Array(total);
    let k = 0;
    for (const part of parts as string[][])
      for (let i = 0; i < part.length; i++) out[k++] = part[i];
    return out;
  }
  const out = new (parts[0].constructor as TypedArrayConstructor)(total);
  let offset = 0;
  for (const part of parts as TypedArray[]) {
    // Every part has the first part's type: the batch key includes the datatype.
    (out as Uint8Array).set(part as Uint8Array, offset);
    offset += part.length;
  }
  return out;
}

/**
 * One set of inputs holding every request's rows in order. All requests share a batch key; their
 * inputs are matched by name, in the first request's order.
 */
export function concatRequests(requests: ReadonlyArray<readonly Tensor[]>): Tensor[] {
  if (requests.length === 1) return requests[0].slice();
  const first = requests[0];
  let rows = 0;
  for (const request of requests) rows += request[0].shape[0];
  return first.map((input, i) => {
    const parts = requests.map((request) =>
      request[i].name === input.name ? request[i] : request.find((t) => t.name === input.name)!,
    );
    const shape = [rows, ...input.shape.slice(1)];
    return {
      name: input.name,
      datatype: input.datatype,
      shape,
      data: concatData(
        parts.map((p) => p.data),
        rows * rowWidth(input.shape),
      ),
    };
  });
}

/** The rows [from, from + count) of a tensor whose first dimension is the batch; views, not copies. */
function sliceRows(tensor: Tensor, from: number, count: number): Tensor {
  const width = rowWidth(tensor.shape);
  const start = from * width;
  const end = (from + count) * width;
  const data = Array.isArray(tensor.data)
    ? tensor.data.slice(start, end)
    : (tensor.data as TypedArray).subarray(start, end);
  return {
    name: tensor.name,
    datatype: tensor.datatype,
    shape: [count, ...tensor.shape.slice(1)],
    data,
  };
}

/**
 * Splits a batch's outputs back into one set per request, by the requests' row counts. Every
 * output's first dimension must be the batch (the sum of the counts): anything else cannot be
 * attributed to a request, so it throws rather than guess.
 */
export function splitOutputs(outputs: readonly Tensor[], rowCounts: readonly number[]): Tensor[][] {
  if (rowCounts.length === 1) return [outputs.slice()];
  const total = rowCounts.reduce((n, r) => n + r, 0);
  for (const output of outputs) {
    if (output.shape.length === 0 || output.shape[0] !== total) {
      throw new Error(
        `output '${output.name}' has shape [${output.shape.join(', ')}], not a batch of ${total} rows`,
      );
    }
  }
  let from = 0;
  return rowCounts.map((count) => {
    const mine = outputs.map((output) => sliceRows(output, from, count));
    from += count;
    return mine;
  });
}
