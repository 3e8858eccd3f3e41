import { status } from '@grpc/grpc-js';
import { createEchoHandler } from '../../test/triton-client/echo-server';
import type { InferenceHandler, ProtoInferCall } from '../protocol/inference-handler';
import { INFERENCE_SERVICE_NAME } from '../protocol/inference-service';
import { inferProto } from '../protocol/proto-infer';
import { createInferenceGrpcClient, type InferenceGrpcClient } from './inference-grpc.client';
import { startInferenceGrpcServer, type RunningInferenceGrpcServer } from './inference-grpc.server';
import { GrpcStatusError } from './wire/grpc-wire';
import { UnaryGrpcClient } from './wire/unary-grpc-client';

/**
 * A relaying handler in front of the echo "node", as the gateway is in front of a prediction
 * node: its ModelInfer hands the message's bytes on, and the node answers them as its REST port's
 * protobuf route does (inferProto).
 */
const node = createEchoHandler();
const relayed: ProtoInferCall[] = [];
const relay: InferenceHandler = {
  ...createEchoHandler(),
  infer: () => Promise.reject(new Error('a relay decodes nothing')),
  inferProtoBody: (call) => {
    relayed.push(call);
    const { body, ...at } = call;
    return inferProto(node, at, body);
  },
};

let server: RunningInferenceGrpcServer;
let client: InferenceGrpcClient;
let raw: UnaryGrpcClient;

beforeAll(async () => {
  server = await startInferenceGrpcServer(relay, '127.0.0.1:0');
  client = createInferenceGrpcClient(`127.0.0.1:${server.port}`);
  raw = new UnaryGrpcClient(`http://127.0.0.1:${server.port}`, 1 << 20);
});

afterAll(async () => {
  client.close();
  raw.close();
  await server.shutdown();
});

const input = { name: 'x', datatype: 'FP32' as const, shape: [2], data: new Float32Array([1, 2]) };

describe("ModelInfer through a relaying handler (the gateway's gRPC edge)", () => {
  it('relays the message as bytes, for the model and version it names, with the deadline', async () => {
    const deadlineMs = Date.now() + 4_000;
    const answer = await client.infer({
      model: 'echo',
      version: '2',
      id: 'g-1',
      inputs: [input],
      deadlineMs,
    });
    expect(answer).toMatchObject({ model: 'echo', version: '2', id: 'g-1' });
    expect(Array.from(answer.outputs[0].data as Float32Array)).toEqual([1, 2]);
    expect(relayed.at(-1)).toMatchObject({ model: 'echo', version: '2' });
    expect(Math.abs(relayed.at(-1)!.deadlineMs! - deadlineMs)).toBeLessThan(200);
    expect(node.requests.at(-1)).toMatchObject({ model: 'echo', version: '2', id: 'g-1' });
  });

  it('sends a call without a version without one', async () => {
    await client.infer({ model: 'echo', inputs: [input] });
    expect(relayed.at(-1)!.version).toBeUndefined();
  });

  it("answers with the node's status when the node refuses", async () => {
    const error = await client.infer({ model: 'missing', inputs: [input] }).catch((e) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: "unknown model 'missing'" });
  });

  it('fails a message without a model name with INVALID_ARGUMENT, before relaying it', async () => {
    const before = relayed.length;
    const call = raw.call(`/${INFERENCE_SERVICE_NAME}/ModelInfer`, Buffer.alloc(0), {
      headers: {},
      deadlineMs: Date.now() + 5_000,
    });
    await expect(call).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      message: 'model_name is required',
    });
    expect(relayed.length).toBe(before);
  });

  it('fails bytes that are not a message as grpc-js does', async () => {
    const error = await raw
      .call(`/${INFERENCE_SERVICE_NAME}/ModelInfer`, Buffer.from([0x0a, 0x09, 0x65]), {
        headers: {},
        deadlineMs: Date.now() + 5_000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect(error).toMatchObject({ code: status.INTERNAL, message: 'Error deserializing request' });
  });
});
