import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inferenceRequestListener, type InferRequest } from '@keelson/inference';
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
