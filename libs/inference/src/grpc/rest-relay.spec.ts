import { status } from '@grpc/grpc-js';
import { createEchoHandler } from '../../test/triton-client/echo-server';
import { startInferenceGrpcServer, type RunningInferenceGrpcServer } from './inference-grpc.server';
import { REST_RELAY_PATH, restRelayHeaders } from './rest-relay';
import { GrpcStatusError } from './wire/grpc-wire';
import { UnaryGrpcClient } from './wire/unary-grpc-client';

const handler = createEchoHandler();
let server: RunningInferenceGrpcServer;
let client: UnaryGrpcClient;

beforeAll(async () => {
  server = await startInferenceGrpcServer(handler, '127.0.0.1:0');
  client = new UnaryGrpcClient(`http://127.0.0.1:${server.port}`, 1 << 20);
});

afterAll(async () => {
  client.close();
  await server.shutdown();
});

const relay = (body: string, headers: Record<string, string>, deadlineMs = Date.now() + 5_000) =>
  client.call(REST_RELAY_PATH, Buffer.from(body), { headers, deadlineMs });

describe('the REST relay on the gRPC port', () => {
  it("answers a REST body with the REST response's JSON, for the model and version named", async () => {
    // Python's bare NaN is read as the REST route reads it.
    const body =
      '{"id":"r","inputs":[{"name":"x","datatype":"FP64","shape":[2],"data":[NaN,1.5]}]}';
    const deadlineMs = Date.now() + 4_000;
    const answer = await relay(body, restRelayHeaders('echo', '2'), deadlineMs);
    expect(JSON.parse(answer.toString('utf8'))).toEqual({
      model_name: 'echo',
      model_version: '2',
      id: 'r',
      outputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: ['NaN', 1.5] }],
    });
    // grpc-timeout carries whole milliseconds: the node's deadline is within a few of the caller's.
    expect(Math.abs(handler.requests.at(-1)!.deadlineMs! - deadlineMs)).toBeLessThan(200);
  });

  it('carries names that are not ASCII through the metadata', async () => {
    const body = '{"inputs":[{"name":"x","datatype":"FP64","shape":[1],"data":[1]}]}';
    const call = relay(body, restRelayHeaders('modèle ✓'));
    await expect(call).rejects.toMatchObject({
      code: status.NOT_FOUND,
      message: "unknown model 'modèle ✓'",
    });
  });

  it.each([
    ['a body that is not JSON', '{"inputs":', restRelayHeaders('echo'), 'not valid JSON'],
    ['a call without the model', '{"inputs":[]}', {}, 'needs the keelson-model metadata'],
    [
      'a model name that is not percent-encoding',
      '{"inputs":[]}',
      { 'keelson-model': '%E0' },
      'not valid percent-encoding',
    ],
  ])('refuses %s with INVALID_ARGUMENT', async (_what, body, headers, message) => {
    const error = await relay(body, headers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect(error).toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: expect.stringContaining(message),
    });
  });
});
