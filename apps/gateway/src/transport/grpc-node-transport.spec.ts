import { Server, ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  inferenceServiceDefinition,
  modelInferRequestMessage,
  modelInferResponseMessage,
  parseModelInferRequest,
  parseModelInferResponse,
  startInferenceGrpcServer,
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
  type RunningInferenceGrpcServer,
} from '@keelson/inference';
import { GrpcNodeTransport } from './grpc-node-transport';
import { recordingNode } from './testing/recording-node';

// A node's gRPC port over a handler that records what reaches it.
const { handler, seen } = recordingNode();

const BODY = Buffer.from(
  '{"id":"r-1","inputs":[{"name":"x","datatype":"FP64","shape":[2],"data":[0.5,NaN]}]}',
);
const ANSWER = {
  model_name: 'echo',
  model_version: '3',
  id: 'r-1',
  outputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: [0.5, 'NaN'] }],
};
const soon = () => ({ deadlineMs: Date.now() + 5_000 });
const json = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;

describe('GrpcNodeTransport in front of a current node', () => {
  let node: RunningInferenceGrpcServer;
  let transport: GrpcNodeTransport;
  beforeAll(async () => {
    node = await startInferenceGrpcServer(handler, '127.0.0.1:0');
    transport = new GrpcNodeTransport(`127.0.0.1:${node.port}`);
  });
  afterAll(async () => {
    transport.close();
    await node.shutdown();
  });

  describe('relaying REST bodies', () => {
    it("sends the client's bytes in a relay call and returns the node's JSON", async () => {
      const answer = await transport.inferRestBody(
        { model: 'echo', version: '3', body: BODY },
        soon(),
      );
      expect(json(answer)).toEqual(ANSWER);
      expect(seen.at(-1)).toMatchObject({ model: 'echo', version: '3', id: 'r-1' });
    });

    it("throws the node's refusal with its code", async () => {
      const call = transport.inferRestBody({ model: 'other', body: BODY }, soon());
      await expect(call).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no model other' });
    });
  });

  describe("relaying gRPC clients' ModelInfer messages", () => {
    const { ModelInfer } = inferenceServiceDefinition();
    const message = (model: string, version?: string) =>
      ModelInfer.requestSerialize(
        modelInferRequestMessage({
          model,
          version,
          id: 'p-1',
          inputs: [{ name: 'x', datatype: 'FP64', shape: [1], data: new Float64Array([0.5]) }],
        }),
      ) as Buffer;

    it('sends the message to ModelInfer for the version the gateway chose, over the client one', async () => {
      const answer = await transport.inferProtoBody(
        { model: 'echo', version: '5', body: message('echo', '1') },
        soon(),
      );
      expect(seen.at(-1)).toMatchObject({ model: 'echo', version: '5', id: 'p-1' });
      const decoded = parseModelInferResponse(
        ModelInfer.responseDeserialize(answer as Buffer) as ModelInferResponseMessage,
      );
      expect(decoded).toMatchObject({ model: 'echo', version: '5', id: 'p-1' });
      await transport.inferProtoBody({ model: 'echo', body: message('echo', '1') }, soon());
      expect(seen.at(-1)!.version).toBe('1'); // no choice made: the client's stands
    });

    it("throws the node's refusal with its code", async () => {
      const call = transport.inferProtoBody({ model: 'other', body: message('other') }, soon());
      await expect(call).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no model other' });
    });
  });
});

describe('GrpcNodeTransport in front of a node without the relay', () => {
  // An older node: the protocol's service only (grpc-js answers UNIMPLEMENTED for the relay).
  const server = new Server();
  let transport: GrpcNodeTransport;
  const relayedCalls = () => seen.filter((r) => r.id === 'r-1').length;
  beforeAll(async () => {
    server.addService(inferenceServiceDefinition(), {
      ModelInfer: (
        call: ServerUnaryCall<ModelInferRequestMessage, unknown>,
        reply: (error: null, response: unknown) => void,
      ) => {
        const { raw, ...request } = parseModelInferRequest(call.request);
        void handler
          .infer(request)
          .then((response) => reply(null, modelInferResponseMessage(response, raw)));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    transport = new GrpcNodeTransport(`127.0.0.1:${port}`);
  });
  afterAll(() => {
    transport.close();
    server.forceShutdown();
  });

  it('falls back to decoding the body and sending ModelInfer, with the same answer', async () => {
    const before = relayedCalls();
    for (let i = 0; i < 2; i++) {
      const answer = await transport.inferRestBody(
        { model: 'echo', version: '3', body: BODY },
        soon(),
      );
      expect(json(answer)).toEqual(ANSWER);
    }
    expect(relayedCalls() - before).toBe(2);
  });
});
