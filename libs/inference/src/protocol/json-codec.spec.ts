import {
  expectEveryDatatype,
  jsonSafeSampleTensors,
  sampleTensors,
} from '../../test/sample-tensors';
import { InferenceError } from './errors';
import {
  inferResponseJson,
  modelMetadataJson,
  parseInferRequest,
  serverMetadataJson,
  tensorJson,
} from './json-codec';
import type { Tensor } from './tensor';

const withoutNegativeZero = (t: Tensor): Tensor => {
  if (t.datatype === 'FP16') {
    return { ...t, data: (t.data as Uint16Array).map((bits) => (bits === 0x8000 ? 0 : bits)) };
  }
  if (t.datatype === 'FP32' || t.datatype === 'FP64') {
    return { ...t, data: (t.data as Float32Array).map((v) => (Object.is(v, -0) ? 0 : v)) };
  }
  return t;
};

/** A response body as a client receives it: through JSON text. */
const overTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

const input = (overrides: Record<string, unknown>) => ({
  name: 'x',
  datatype: 'FP32',
  shape: [2],
  data: [1, 2],
  ...overrides,
});

function invalidMessage(body: unknown): string {
  try {
    parseInferRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as InferenceError).code).toBe('INVALID_ARGUMENT');
    expect((error as InferenceError).httpStatus).toBe(400);
    return (error as Error).message;
  }
  throw new Error('the request was accepted');
}

describe('JSON codec round trips', () => {
  it('carries every datatype from response JSON back into the same tensors', () => {
    const tensors = sampleTensors();
    expectEveryDatatype(tensors);
    const body = overTheWire(inferResponseJson('m', '1', 'id-1', tensors));
    // A response output is a valid request input: parse the client's view back.
    const parsed = parseInferRequest({ inputs: (body as { outputs: unknown[] }).outputs });
    // JSON has no negative zero (JSON.stringify(-0) is "0"); everything else comes back exact.
    expect(parsed.inputs).toEqual(tensors.map(withoutNegativeZero));
  });

  it('writes 64-bit integers as numbers within 2^53 and as decimal strings beyond', () => {
    const [int64] = sampleTensors().filter((t) => t.datatype === 'INT64');
    expect(tensorJson(int64).data).toEqual([
      '-9223372036854775808',
      -1,
      '9007199254740993',
      '9223372036854775807',
    ]);
    const safe = jsonSafeSampleTensors().find((t) => t.datatype === 'UINT64')!;
    expect(tensorJson(safe).data).toEqual([0, 1, 9007199254740991]);
  });

  it('writes floats in their shortest exact form, and non-finite values as strings', () => {
    const fp32: Tensor = {
      name: 'p',
      datatype: 'FP32',
      shape: [4],
      data: new Float32Array([0.1, 1 / 3, Infinity, NaN]),
    };
    expect(tensorJson(fp32).data).toEqual([0.1, 0.33333334, 'Infinity', 'NaN']);
    const fp16: Tensor = {
      name: 'h',
      datatype: 'FP16',
      shape: [2],
      data: new Uint16Array([0x2e66, 0xfc00]),
    };
    expect(tensorJson(fp16).data).toEqual([0.1, '-Infinity']);
    const bool: Tensor = { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) };
    expect(tensorJson(bool).data).toEqual([true, false]);
  });

  it('takes nested data in row-major order, the same as flat data', () => {
    const nested = parseInferRequest({
      inputs: [
        input({
          datatype: 'INT32',
          shape: [2, 3],
          data: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        }),
      ],
    });
    const flat = parseInferRequest({
      inputs: [input({ datatype: 'INT32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] })],
    });
    expect(nested.inputs[0].data).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
    expect(nested).toEqual(flat);
    const cube = parseInferRequest({
      inputs: [
        input({ datatype: 'BOOL', shape: [2, 1, 2], data: [[[true, false]], [[false, true]]] }),
      ],
    });
    expect(cube.inputs[0].data).toEqual(new Uint8Array([1, 0, 0, 1]));
  });

  it('accepts numeric strings for 64-bit integers and rounds FP16 to the nearest half', () => {
    const parsed = parseInferRequest({
      inputs: [
        input({ name: 'a', datatype: 'INT64', shape: [2], data: ['-9223372036854775808', 5] }),
        input({ name: 'b', datatype: 'UINT64', shape: [1], data: ['18446744073709551615'] }),
        input({ name: 'c', datatype: 'FP16', shape: [3], data: [0.1, 1, 'NaN'] }),
      ],
    });
    expect(parsed.inputs[0].data).toEqual(new BigInt64Array([-(2n ** 63n), 5n]));
    expect(parsed.inputs[1].data).toEqual(new BigUint64Array([2n ** 64n - 1n]));
    expect(parsed.inputs[2].data).toEqual(new Uint16Array([0x2e66, 0x3c00, 0x7e00]));
  });

  it('keeps the id, parameters and requested outputs', () => {
    const parsed = parseInferRequest({
      id: 'req-7',
      parameters: { priority: 2, tag: 'a', fast: true },
      inputs: [input({})],
      outputs: [{ name: 'y', parameters: { binary_data: false } }],
    });
    expect(parsed).toMatchObject({
      id: 'req-7',
      parameters: { priority: 2, tag: 'a', fast: true },
      outputs: [{ name: 'y', parameters: { binary_data: false } }],
    });
  });
});

describe('JSON response and metadata bodies', () => {
  it('echoes the id and names the model and version as the spec does', () => {
    const out: Tensor = { name: 'y', datatype: 'FP64', shape: [1], data: new Float64Array([2.5]) };
    expect(inferResponseJson('churn', '3', '42', [out], { took_ms: 4 })).toEqual({
      model_name: 'churn',
      model_version: '3',
      id: '42',
      parameters: { took_ms: 4 },
      outputs: [{ name: 'y', datatype: 'FP64', shape: [1], data: [2.5] }],
    });
    const bare = inferResponseJson('churn', undefined, undefined, [out]);
    expect(Object.keys(bare)).toEqual(['model_name', 'outputs']);
  });

  it('describes the server and a model', () => {
    expect(serverMetadataJson({ name: 'keelson', version: '1.0.0', extensions: [] })).toEqual({
      name: 'keelson',
      version: '1.0.0',
      extensions: [],
    });
    const meta = modelMetadataJson({
      name: 'churn',
      versions: ['1', '2'],
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 12] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    });
    expect(meta).toEqual({
      name: 'churn',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 12] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    });
  });
});

describe('JSON request validation', () => {
  it.each([
    ['a body that is not an object', [1], 'the request body must be a JSON object'],
    ['no inputs', { inputs: [] }, "the request needs a non-empty 'inputs' array"],
    [
      'inputs that are not an array',
      { inputs: {} },
      "the request needs a non-empty 'inputs' array",
    ],
    [
      'a nameless input',
      { inputs: [{ datatype: 'FP32', shape: [1], data: [1] }] },
      'inputs[0] needs a name',
    ],
    ['a non-string id', { id: 7, inputs: [input({})] }, 'id must be a string, not 7'],
    [
      'an unknown datatype',
      { inputs: [input({ datatype: 'FLOAT' })] },
      `input 'x': datatype "FLOAT" is not one of BOOL, UINT8`,
    ],
    [
      'a negative dimension',
      { inputs: [input({ shape: [-1, 2] })] },
      "input 'x': shape dimension 0 is -1; dimensions must be non-negative integers",
    ],
    [
      'a fractional dimension',
      { inputs: [input({ shape: [1.5] })] },
      "input 'x': shape dimension 0 is 1.5",
    ],
    [
      'a missing shape',
      { inputs: [input({ shape: undefined })] },
      "input 'x': shape must be an array",
    ],
    ['missing data', { inputs: [input({ data: undefined })] }, "input 'x': data is missing"],
    [
      'data that is not an array',
      { inputs: [input({ data: 3 })] },
      "input 'x': data must be an array",
    ],
    [
      'too few elements',
      { inputs: [input({ shape: [2, 3], data: [1, 2, 3, 4, 5] })] },
      "input 'x': data has 5 elements but shape [2, 3] needs 6",
    ],
    [
      'ragged nested data',
      { inputs: [input({ shape: [2, 2], data: [[1, 2], [3]] })] },
      "input 'x': data[1] has 1 entries but shape [2, 2] needs 2 along dimension 1",
    ],
    [
      'nesting that does not match the shape',
      {
        inputs: [
          input({
            shape: [4],
            data: [
              [1, 2],
              [3, 4],
            ],
          }),
        ],
      },
      "input 'x': data has 2 entries but shape [4] needs 4 along dimension 0",
    ],
    [
      'nesting deeper than the shape',
      { inputs: [input({ shape: [1, 1], data: [[[1]]] })] },
      "input 'x': data[0][0] nests deeper than shape [1, 1]",
    ],
    [
      'arrays mixed with scalars',
      { inputs: [input({ shape: [2, 1], data: [1, [2]] })] },
      "input 'x': data[0] is 1 where shape [2, 1] needs an array of 1",
    ],
    [
      'a number for BOOL',
      { inputs: [input({ datatype: 'BOOL', shape: [2], data: [true, 1] })] },
      "input 'x': element 1 is 1, not a boolean (datatype BOOL)",
    ],
    [
      'a fraction for INT32',
      { inputs: [input({ datatype: 'INT32', shape: [1], data: [1.5] })] },
      "input 'x': element 0 is 1.5, not an integer (datatype INT32)",
    ],
    [
      'a string for INT32',
      { inputs: [input({ datatype: 'INT32', shape: [1], data: ['7'] })] },
      `input 'x': element 0 is "7", not an integer (datatype INT32)`,
    ],
    [
      'UINT8 out of range',
      { inputs: [input({ datatype: 'UINT8', shape: [2], data: [0, 256] })] },
      "input 'x': element 1 (256) is out of range for UINT8 [0, 255]",
    ],
    [
      'INT8 out of range',
      { inputs: [input({ datatype: 'INT8', shape: [1], data: [-129] })] },
      "input 'x': element 0 (-129) is out of range for INT8 [-128, 127]",
    ],
    [
      'a negative UINT32',
      { inputs: [input({ datatype: 'UINT32', shape: [1], data: [-1] })] },
      "input 'x': element 0 (-1) is out of range for UINT32",
    ],
    [
      'an INT64 number past 2^53',
      { inputs: [input({ datatype: 'INT64', shape: [1], data: [2 ** 60] })] },
      "input 'x': element 0 (1152921504606847000) is beyond JSON's exact integers (2^53); send it as a decimal string",
    ],
    [
      'an INT64 string out of range',
      { inputs: [input({ datatype: 'INT64', shape: [1], data: ['9223372036854775808'] })] },
      "input 'x': element 0 (9223372036854775808) is out of range for INT64",
    ],
    [
      'a negative UINT64 string',
      { inputs: [input({ datatype: 'UINT64', shape: [1], data: ['-1'] })] },
      `input 'x': element 0 is "-1", not an integer or a decimal string of one (datatype UINT64)`,
    ],
    [
      'a non-numeric INT64 string',
      { inputs: [input({ datatype: 'INT64', shape: [1], data: ['12a'] })] },
      `input 'x': element 0 is "12a", not an integer or a decimal string of one`,
    ],
    [
      'a string for FP32',
      { inputs: [input({ data: [1, 'two'] })] },
      `input 'x': element 1 is "two", not a number (datatype FP32)`,
    ],
    [
      'null for FP64',
      { inputs: [input({ datatype: 'FP64', data: [1, null] })] },
      "input 'x': element 1 is null, not a number (datatype FP64)",
    ],
    [
      'FP32 overflow',
      { inputs: [input({ shape: [1], data: [1e39] })] },
      "input 'x': element 0 (1e+39) is out of range for FP32",
    ],
    [
      'FP16 overflow',
      { inputs: [input({ datatype: 'FP16', shape: [1], data: [70000] })] },
      "input 'x': element 0 (70000) is out of range for FP16",
    ],
    [
      'a number for BYTES',
      { inputs: [input({ datatype: 'BYTES', shape: [1], data: [5] })] },
      "input 'x': element 0 is 5, not a string (datatype BYTES)",
    ],
    [
      'a repeated input name',
      { inputs: [input({}), input({})] },
      "input 'x' is given more than once",
    ],
    [
      'a repeated output name',
      { inputs: [input({})], outputs: [{ name: 'y' }, { name: 'y' }] },
      "output 'y' is given more than once",
    ],
    ['a nameless output', { inputs: [input({})], outputs: [{}] }, 'outputs[0] needs a name'],
    [
      'binary tensor data',
      { inputs: [input({ parameters: { binary_data_size: 8 } })] },
      "input 'x': the binary tensor data extension (parameter 'binary_data_size') is not supported",
    ],
    [
      'shared memory',
      { inputs: [input({ parameters: { shared_memory_region: 'r' } })] },
      "input 'x': the shared-memory extension (parameter 'shared_memory_region') is not supported",
    ],
    [
      'a parameter that is an object',
      { parameters: { headers: { a: 1 } }, inputs: [input({})] },
      `request parameter 'headers' is {"a":1}, not a string, number or boolean`,
    ],
    [
      'parameters that are not an object',
      { parameters: [1], inputs: [input({})] },
      'request parameters must be an object',
    ],
  ])('refuses %s', (_case, body, message) => {
    expect(invalidMessage(body)).toContain(message);
  });

  it('accepts an empty tensor and a scalar', () => {
    const parsed = parseInferRequest({
      inputs: [
        input({ name: 'e', shape: [0, 3], data: [] }),
        input({ name: 's', shape: [], data: [4] }),
      ],
    });
    expect(parsed.inputs.map((t) => Array.from(t.data as Float32Array))).toEqual([[], [4]]);
  });

  it('shortens a huge value in its message', () => {
    const message = invalidMessage({
      inputs: [input({ datatype: 'BOOL', shape: [1], data: ['x'.repeat(1000)] })],
    });
    expect(message.length).toBeLessThan(120);
  });
});
