import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  inferenceRequestListener,
  inferenceServiceDefinition,
  modelInferRequestMessage,
  parseModelInferResponse,
  type InferRequest,
  type ModelInferResponseMessage,
} from '@keelson/inference';
import { HttpNodeTransport } from './http-node-transport';
import { NodeUnreachable } from './node-transport';
import { recordingNode } from './testing/recording-node';

// A node's REST listener over a handler that records what reaches it.
const { handler, seen } = recordingNode();

let server: Server;
let transport: HttpNodeTransport;

beforeAll(async () => {
  server = createServer(
    inferenceRequestListener(handler, { bodyLimit: 1 << 20 }, (_req, res) =>
      res.writeHead(404).end(),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  transport = new HttpNodeTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (model: string): InferRequest => ({
  model,
  inputs: [{ name: 'x', datatype: 'FP64', shape: [1], data: new Float64Array([0.5]) }],
});

describe('HttpNodeTransport', () => {
  it("sends the attempt's remaining time, which becomes the node's deadline", async () => {
    const deadlineMs = Date.now() + 2_000;
    const response = await transport.infer(request('echo'), { deadlineMs });
    expect(Array.from(response.outputs[0].data as Float64Array)).toEqual([0.5]);
    const nodeDeadline = seen.at(-1)!.deadlineMs!;
    // The node counts the remaining time from arrival (as gRPC's grpc-timeout is counted), so its
    // deadline is later by the time in transit, and never off by a second.
    expect(Math.abs(nodeDeadline - deadlineMs)).toBeLessThan(200);
  });

  it('gives up at the deadline, and so does the node', async () => {
    const started = Date.now();
    await expect(
      transport.infer(request('slow'), { deadlineMs: started + 150 }),
    ).rejects.toBeInstanceOf(NodeUnreachable);
    // Later by the time in transit at most (as above): on a loaded machine, tens of milliseconds.
    expect(seen.at(-1)!.deadlineMs).toBeLessThan(started + 150 + 200);
  });
});

describe('HttpNodeTransport relaying REST bodies', () => {
  it('sends the client bytes to the version asked for and returns the node bytes unchanged', async () => {
    // Python's json writes NaN bare: the node reads it, so the relay must not touch the body.
    const body = Buffer.from(
      '{"id":"r-1","inputs":[{"name":"x","datatype":"FP64","shape":[2],"data":[NaN,0.25]}]}',
    );
    const answer = await transport.inferRestBody(
      { model: 'echo', version: '7', body },
      { deadlineMs: Date.now() + 2_000 },
    );
    expect(seen.at(-1)).toMatchObject({ model: 'echo', version: '7', id: 'r-1' });
    expect(JSON.parse(Buffer.from(answer).toString('utf8'))).toEqual({
      model_name: 'echo',
      model_version: '7',
      id: 'r-1',
      outputs: [{ name: 'x', datatype: 'FP64', shape: [2], data: ['NaN', 0.25] }],
    });
  });

  it("throws the node's refusal as an InferenceError with its code and message", async () => {
    const call = transport.inferRestBody(
      { model: 'echo', body: Buffer.from('{"inputs":') },
      { deadlineMs: Date.now() + 2_000 },
    );
    await expect(call).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('not valid JSON'),
    });
  });
});

describe("HttpNodeTransport relaying gRPC clients' ModelInfer messages", () => {
  const { ModelInfer } = inferenceServiceDefinition();
  const message = (model: string) =>
    ModelInfer.requestSerialize(
      modelInferRequestMessage({ ...request(model), id: 'p-1' }),
    ) as Buffer;

  it('sends the message as protobuf to the version asked for and returns the node bytes', async () => {
    const answer = await transport.inferProtoBody(
      { model: 'echo', version: '4', body: message('echo') },
      { deadlineMs: Date.now() + 2_000 },
    );
    expect(seen.at(-1)).toMatchObject({ model: 'echo', version: '4', id: 'p-1' });
    const decoded = parseModelInferResponse(
      ModelInfer.responseDeserialize(Buffer.from(answer)) as ModelInferResponseMessage,
    );
    expect(decoded).toMatchObject({ model: 'echo', version: '4', id: 'p-1' });
    expect(Array.from(decoded.outputs[0].data as Float64Array)).toEqual([0.5]);
  });

  it("throws the node's refusal with its code and message", async () => {
    const limits = { deadlineMs: Date.now() + 2_000 };
    await expect(
      transport.inferProtoBody({ model: 'nope', body: message('nope') }, limits),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no model nope' });
    await expect(
      transport.inferProtoBody({ model: 'echo', body: Buffer.from([0x0a, 0x09]) }, limits),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('not a ModelInferRequest'),
    });
  });
});

describe('HttpNodeTransport in front of a node without the protobuf route', () => {
  // An older node: it reads every inference body as JSON, whatever its Content-Type.
  const listener = inferenceRequestListener(handler, { bodyLimit: 1 << 20 }, (_req, res) =>
    res.writeHead(404).end(),
  );
  const old = createServer((req, res) => {
    delete req.headers['content-type'];
    listener(req, res);
  });
  let oldTransport: HttpNodeTransport;
  beforeAll(async () => {
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    oldTransport = new HttpNodeTransport(`http://127.0.0.1:${(old.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    oldTransport.close();
    old.closeAllConnections();
    await new Promise((resolve) => old.close(resolve));
  });

  it('falls back to decoding the message and sending JSON, with the same answer', async () => {
    const { ModelInfer } = inferenceServiceDefinition();
    const body = ModelInfer.requestSerialize(
      modelInferRequestMessage({ ...request('echo'), id: 'o-1' }),
    ) as Buffer;
    for (let i = 0; i < 2; i++) {
      const answer = await oldTransport.inferProtoBody(
        { model: 'echo', version: '6', body },
        { deadlineMs: Date.now() + 2_000 },
      );
      const decoded = parseModelInferResponse(
        ModelInfer.responseDeserialize(Buffer.from(answer)) as ModelInferResponseMessage,
      );
      expect(decoded).toMatchObject({ model: 'echo', version: '6', id: 'o-1' });
      expect(Array.from(decoded.outputs[0].data as Float64Array)).toEqual([0.5]);
      expect(seen.at(-1)).toMatchObject({ model: 'echo', version: '6', id: 'o-1' });
    }
  });
});

describe('HttpNodeTransport reachability', () => {
  it('does not count calls it abandoned itself against the node', async () => {
    for (let i = 0; i < 4; i++) {
      const abandon = new AbortController();
      const call = transport.infer(request('slow'), {
        deadlineMs: Date.now() + 5_000,
        signal: abandon.signal,
      });
      setTimeout(() => abandon.abort(), 20);
      await expect(call).rejects.toThrow();
    }
    for (let i = 0; i < 3; i++)
      await expect(
        transport.infer(request('slow'), { deadlineMs: Date.now() + 30 }),
      ).rejects.toBeInstanceOf(NodeUnreachable);
    expect(transport.reachable()).toBe(true);
  });

  it('counts connections the node refuses', async () => {
    const closed = new HttpNodeTransport('http://127.0.0.1:1');
    for (let i = 0; i < 3; i++)
      await expect(
        closed.infer(request('echo'), { deadlineMs: Date.now() + 1_000 }),
      ).rejects.toBeInstanceOf(NodeUnreachable);
    expect(closed.reachable()).toBe(false);
    closed.close();
  });
});
