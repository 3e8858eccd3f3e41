import { createEchoHandler } from '../../test/triton-client/echo-server';
import { modelInferRequestMessage, parseModelInferResponse } from './grpc-codec';
import type { ModelInferResponseMessage } from './grpc-messages';
import { inferenceServiceDefinition } from './inference-service';
import type { InferRequest } from './inference-handler';
import { PROTOBUF_MEDIA_TYPE, scanProtoTarget, withProtoVersion } from './proto-infer';
import { handleRestRequest } from './rest-routes';

const { ModelInfer } = inferenceServiceDefinition();

const request = (extra: Partial<InferRequest> = {}): Omit<InferRequest, 'deadlineMs'> => ({
  model: 'echo',
  id: 'p-1',
  parameters: { priority: 2 },
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [2], data: new Float32Array([1.5, -2]) },
    { name: 'b', datatype: 'INT64', shape: [1], data: new BigInt64Array([7n]) },
  ],
  ...extra,
});
const encode = (r: Omit<InferRequest, 'deadlineMs'>, raw = true): Buffer =>
  ModelInfer.requestSerialize(modelInferRequestMessage(r, raw)) as Buffer;
const decodeAnswer = (bytes: Uint8Array) =>
  parseModelInferResponse(
    ModelInfer.responseDeserialize(Buffer.from(bytes)) as ModelInferResponseMessage,
  );

describe('scanProtoTarget', () => {
  it('reads the model and version a serialized request names, whatever else it holds', () => {
    expect(scanProtoTarget(encode(request({ version: '2' })))).toEqual({
      model: 'echo',
      version: '2',
    });
    // proto3 writes no empty string: no version at all.
    expect(scanProtoTarget(encode(request(), false))).toEqual({ model: 'echo' });
    expect(scanProtoTarget(Buffer.alloc(0))).toEqual({ model: '' });
  });

  it('reads a response the same way (the same field numbers)', () => {
    const bytes = ModelInfer.responseSerialize({ model_name: 'm', model_version: '9', id: 'x' });
    expect(scanProtoTarget(bytes as Buffer)).toEqual({ model: 'm', version: '9' });
  });

  it('refuses bytes that are not a message', () => {
    expect(() => scanProtoTarget(Buffer.from([0x0a, 0x05, 0x61]))).toThrow('truncated');
    expect(() => scanProtoTarget(Buffer.from([0x0b]))).toThrow('wire type 3');
    expect(() => scanProtoTarget(Buffer.from([0x08, 0xff]))).toThrow('truncated varint');
    expect(() => scanProtoTarget(Buffer.from('{"inputs":[]}'))).toThrow();
  });
});

describe('withProtoVersion', () => {
  it('sets the version as a decoder reads it, the rest unchanged', () => {
    const original = encode(request({ version: '1' }));
    const long = 'v'.repeat(300); // a length over one varint byte
    for (const version of ['2', long]) {
      const bytes = withProtoVersion(original, version);
      expect(scanProtoTarget(bytes)).toEqual({ model: 'echo', version });
      const decoded = ModelInfer.requestDeserialize(bytes) as { model_version: string; id: string };
      expect(decoded).toMatchObject({ model_version: version, id: 'p-1' });
    }
  });
});

describe('protobuf over the REST inference route', () => {
  const handler = createEchoHandler();
  const post = (path: string, body: unknown, contentType = PROTOBUF_MEDIA_TYPE) =>
    handleRestRequest(handler, { method: 'POST', path, body, contentType, deadlineMs: 99 });

  it('answers a ModelInferRequest with a ModelInferResponse, for the model and version of the path', async () => {
    const result = await post(
      '/v2/models/echo/versions/1/infer',
      encode(request({ model: 'ignored', version: '2', outputs: [{ name: 'b' }] })),
      `${PROTOBUF_MEDIA_TYPE}; charset=binary`,
    );
    expect(result).toMatchObject({ status: 200, contentType: PROTOBUF_MEDIA_TYPE });
    expect(handler.requests.at(-1)).toMatchObject({ model: 'echo', version: '1', deadlineMs: 99 });
    const answer = decodeAnswer(result!.encoded as Uint8Array);
    expect(answer).toMatchObject({ model: 'echo', version: '1', id: 'p-1' });
    // Only the output asked for, raw as the request was.
    expect(answer.outputs.map((t) => [t.name, Array.from(t.data as BigInt64Array)])).toEqual([
      ['b', [7n]],
    ]);
  });

  it('answers bytes that are not a ModelInferRequest with 400 and the reason', async () => {
    const result = await post('/v2/models/echo/infer', Buffer.from([0x0a, 0x09, 0x65]));
    expect(result).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('not a ModelInferRequest') },
    });
  });

  it("answers the request's own mistakes as a JSON body does: 400, 404", async () => {
    const noInputs = await post('/v2/models/echo/infer', encode(request({ inputs: [] })));
    expect(noInputs).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/input/) },
    });
    const unknown = await post('/v2/models/echo/versions/7/infer', encode(request()));
    expect(unknown).toMatchObject({ status: 404 });
  });

  it('still reads JSON without the protobuf Content-Type', async () => {
    const json = Buffer.from(
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }),
    );
    const result = await post('/v2/models/echo/infer', json, 'application/json');
    expect(result).toMatchObject({ status: 200 });
    expect(result!.contentType).toBeUndefined();
  });
});
