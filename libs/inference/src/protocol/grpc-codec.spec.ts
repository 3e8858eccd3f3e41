import { expectEveryDatatype, sampleTensors } from '../../test/sample-tensors';
import { inferenceServiceDefinition } from './inference-service';
import { InferenceError } from './errors';
import {
  decodeParameters,
  encodeParameters,
  modelInferRequestMessage,
  modelInferResponseMessage,
  parseModelInferRequest,
  parseModelInferResponse,
} from './grpc-codec';
import type {
  InferTensorMessage,
  ModelInferRequestMessage,
  ModelInferResponseMessage,
} from './grpc-messages';
import type { Tensor } from './tensor';

const infer = inferenceServiceDefinition().ModelInfer;

/** A message as the other side decodes it: through protobuf bytes. */
const requestOverTheWire = (m: ModelInferRequestMessage): ModelInferRequestMessage =>
  infer.requestDeserialize(infer.requestSerialize(m));
const responseOverTheWire = (m: ModelInferResponseMessage): ModelInferResponseMessage =>
  infer.responseDeserialize(infer.responseSerialize(m));

const withoutFp16 = (tensors: Tensor[]) => tensors.filter((t) => t.datatype !== 'FP16');

function invalidMessage(message: ModelInferRequestMessage): string {
  try {
    parseModelInferRequest(requestOverTheWire(message));
  } catch (error) {
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as InferenceError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('the request was accepted');
}

const tensor = (overrides: Partial<InferTensorMessage>): InferTensorMessage => ({
  name: 'x',
  datatype: 'FP32',
  shape: [2],
  ...overrides,
});
const request = (inputs: InferTensorMessage[], raw?: Uint8Array[]): ModelInferRequestMessage => ({
  model_name: 'm',
  inputs,
  ...(raw && { raw_input_contents: raw }),
});
const le32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);

describe('gRPC codec round trips', () => {
  it('carries every datatype as raw contents, exactly', () => {
    const tensors = sampleTensors();
    expectEveryDatatype(tensors);
    const wire = requestOverTheWire(
      modelInferRequestMessage({ model: 'm', id: 'r1', inputs: tensors }, true),
    );
    expect(wire.inputs.every((t) => t.contents === null)).toBe(true);
    const decoded = parseModelInferRequest(wire);
    expect(decoded).toEqual({ model: 'm', id: 'r1', inputs: tensors, raw: true });
  });

  it('carries every datatype but FP16 as typed contents, exactly', () => {
    const tensors = withoutFp16(sampleTensors());
    const wire = requestOverTheWire(
      modelInferRequestMessage({ model: 'm', inputs: tensors }, false),
    );
    expect(wire.raw_input_contents).toEqual([]);
    expect(wire.inputs.find((t) => t.datatype === 'INT64')?.contents?.int64_contents).toEqual([
      '-9223372036854775808',
      '-1',
      '9007199254740993',
      '9223372036854775807',
    ]);
    const decoded = parseModelInferRequest(wire);
    expect(decoded.raw).toBe(false);
    expect(decoded.inputs).toEqual(tensors);
  });

  it('answers raw requests with raw outputs and typed requests with typed outputs', () => {
    const outputs = withoutFp16(sampleTensors());
    const raw = responseOverTheWire(
      modelInferResponseMessage({ model: 'm', version: '2', id: 'r9', outputs }, true),
    );
    expect(raw.raw_output_contents).toHaveLength(outputs.length);
    expect(parseModelInferResponse(raw)).toEqual({ model: 'm', version: '2', id: 'r9', outputs });
    const typed = responseOverTheWire(modelInferResponseMessage({ model: 'm', outputs }, false));
    expect(typed.raw_output_contents).toEqual([]);
    expect(typed.outputs[0].contents?.bool_contents).toEqual([true, false, false, true]);
    expect(parseModelInferResponse(typed)).toEqual({ model: 'm', outputs });
  });

  it('sends every tensor raw once one is FP16, which has no typed field', () => {
    const outputs = sampleTensors();
    const message = responseOverTheWire(modelInferResponseMessage({ model: 'm', outputs }, false));
    expect(message.raw_output_contents).toHaveLength(outputs.length);
    expect(parseModelInferResponse(message).outputs).toEqual(outputs);
  });

  it('reads version, id, parameters and requested outputs', () => {
    const decoded = parseModelInferRequest(
      requestOverTheWire({
        model_name: 'm',
        model_version: '3',
        id: 'abc',
        parameters: encodeParameters({ priority: 2, ratio: 0.5, tag: 'x', fast: true }),
        inputs: [tensor({ contents: { fp32_contents: [1, 2] } })],
        outputs: [{ name: 'y', parameters: encodeParameters({ top: 3 }) }],
      }),
    );
    expect(decoded).toMatchObject({
      model: 'm',
      version: '3',
      id: 'abc',
      parameters: { priority: 2, ratio: 0.5, tag: 'x', fast: true },
      outputs: [{ name: 'y', parameters: { top: 3 } }],
    });
  });

  it('reads 64-bit parameters within 2^53 and refuses larger ones', () => {
    expect(
      decodeParameters('request', { a: { uint64_param: '7', parameter_choice: 'uint64_param' } }),
    ).toEqual({
      a: 7,
    });
    expect(() =>
      decodeParameters('request', {
        a: { int64_param: '9223372036854775807', parameter_choice: 'int64_param' },
      }),
    ).toThrow('request parameter \'a\' ("9223372036854775807") is beyond 2^53 and not supported');
  });
});

describe('gRPC request validation', () => {
  it.each<[string, ModelInferRequestMessage, string]>([
    ['no model name', { model_name: '', inputs: [tensor({})] }, 'model_name is required'],
    ['no inputs', request([]), 'the request needs at least one input'],
    ['a nameless input', request([tensor({ name: '' })]), 'inputs[0] needs a name'],
    [
      'an unknown datatype',
      request([tensor({ datatype: 'fp32' })]),
      `input 'x': datatype "fp32" is not one of BOOL`,
    ],
    [
      'a negative dimension',
      request([tensor({ shape: [-1] })]),
      `input 'x': shape dimension 0 is "-1"; dimensions must be non-negative integers`,
    ],
    [
      'typed contents of the wrong size',
      request([tensor({ shape: [3], contents: { fp32_contents: [1, 2] } })]),
      "input 'x': data has 2 elements but shape [3] needs 3",
    ],
    [
      'no data at all',
      request([tensor({ shape: [2] })]),
      "input 'x' (no contents and no raw contents): data has 0 elements but shape [2] needs 2",
    ],
    [
      'contents in the wrong field',
      request([tensor({ datatype: 'INT32', contents: { int64_contents: ['1', '2'] } })]),
      "input 'x': INT32 data belongs in contents.int_contents, not int64_contents",
    ],
    [
      'INT8 values out of range in int_contents',
      request([tensor({ datatype: 'INT8', contents: { int_contents: [1, 300] } })]),
      "input 'x': element 1 (300) is out of range for INT8 [-128, 127]",
    ],
    [
      'UINT16 values out of range in uint_contents',
      request([tensor({ datatype: 'UINT16', contents: { uint_contents: [70000, 1] } })]),
      "input 'x': element 0 (70000) is out of range for UINT16",
    ],
    [
      'FP16 as typed contents',
      request([tensor({ datatype: 'FP16', contents: { fp32_contents: [1, 2] } })]),
      "input 'x': FP16 has no typed contents field; send it in raw_input_contents",
    ],
    [
      'BYTES that are not UTF-8',
      request([
        tensor({
          datatype: 'BYTES',
          shape: [1],
          contents: { bytes_contents: [Buffer.from([0xff, 0xfe])] },
        }),
      ]),
      "input 'x': element 0 is not valid UTF-8 (BYTES elements must be text)",
    ],
    [
      'a repeated input name',
      request([
        tensor({ contents: { fp32_contents: [1, 2] } }),
        tensor({ contents: { fp32_contents: [1, 2] } }),
      ]),
      "input 'x' is given more than once",
    ],
    [
      'a repeated output name',
      {
        ...request([tensor({ contents: { fp32_contents: [1, 2] } })]),
        outputs: [{ name: 'y' }, { name: 'y' }],
      },
      "output 'y' is given more than once",
    ],
    [
      'contents mixed with raw contents',
      request(
        [tensor({ name: 'a', contents: { fp32_contents: [1, 2] } }), tensor({ name: 'b' })],
        [le32(1, 2), le32(3, 4)],
      ),
      "input 'a': has both contents and raw_input_contents; a request uses one or the other",
    ],
    [
      'fewer raw entries than inputs',
      request([tensor({ name: 'a' }), tensor({ name: 'b' })], [le32(1, 2)]),
      'raw_input_contents has 1 entries but there are 2 inputs',
    ],
    [
      'raw contents of the wrong size',
      request([tensor({ shape: [3] })], [le32(1, 2)]),
      "input 'x': raw contents hold 8 bytes but shape [3] of FP32 needs 12",
    ],
    [
      'raw BOOL bytes other than 0 and 1',
      request([tensor({ datatype: 'BOOL', shape: [2] })], [Buffer.from([1, 2])]),
      "input 'x': raw BOOL element 1 is 2; BOOL bytes must be 0 or 1",
    ],
    [
      'raw BYTES cut inside a length',
      request([tensor({ datatype: 'BYTES', shape: [1] })], [Buffer.from([1, 0])]),
      "input 'x': raw BYTES contents end inside the length of element 0",
    ],
    [
      'raw BYTES claiming more bytes than remain',
      request([tensor({ datatype: 'BYTES', shape: [1] })], [Buffer.from([5, 0, 0, 0, 0x61])]),
      "input 'x': raw BYTES element 0 claims 5 bytes but only 1 remain",
    ],
    [
      'raw BYTES with more elements than the shape',
      request(
        [tensor({ datatype: 'BYTES', shape: [1] })],
        [Buffer.from([1, 0, 0, 0, 0x61, 1, 0, 0, 0, 0x62])],
      ),
      "input 'x': raw BYTES contents hold 2+ elements but shape [1] needs 1",
    ],
    [
      'raw BYTES with fewer elements than the shape',
      request([tensor({ datatype: 'BYTES', shape: [2] })], [Buffer.from([1, 0, 0, 0, 0x61])]),
      "input 'x': raw BYTES contents hold 1 elements but shape [2] needs 2",
    ],
  ])('refuses %s', (_case, message, expected) => {
    expect(invalidMessage(message)).toContain(expected);
  });

  it('accepts an empty tensor with no contents', () => {
    const decoded = parseModelInferRequest(
      requestOverTheWire(request([tensor({ shape: [0, 4] })])),
    );
    expect(decoded.inputs[0]).toEqual({
      name: 'x',
      datatype: 'FP32',
      shape: [0, 4],
      data: new Float32Array(0),
    });
  });

  it('reads raw BYTES with empty and multi-byte elements', () => {
    const raw = Buffer.concat([
      Buffer.from([0, 0, 0, 0]),
      Buffer.from([3, 0, 0, 0]),
      Buffer.from('✓', 'utf8'),
    ]);
    const decoded = parseModelInferRequest(
      requestOverTheWire(request([tensor({ datatype: 'BYTES', shape: [2] })], [raw])),
    );
    expect(decoded.inputs[0].data).toEqual(['', '✓']);
  });
});
