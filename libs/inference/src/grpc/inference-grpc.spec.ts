import { expectEveryDatatype, sampleTensors } from '../../test/sample-tensors';
import { createEchoHandler, type EchoHandler } from '../../test/triton-client/echo-server';
import { InferenceError } from '../protocol/errors';
import type { InferenceHandler } from '../protocol/inference-handler';
import type { Tensor } from '../protocol/tensor';
import { createInferenceGrpcClient, type InferenceGrpcClient } from './inference-grpc.client';
import { startInferenceGrpcServer, type RunningInferenceGrpcServer } from './inference-grpc.server';

/** A real server on a free local port, and a client connected to it. */
async function serve(handler: InferenceHandler, maxMessageBytes?: number) {
  const server = await startInferenceGrpcServer(handler, '127.0.0.1:0', { maxMessageBytes });
  const client = createInferenceGrpcClient(`127.0.0.1:${server.port}`);
  await client.waitForReady(Date.now() + 5000);
  return { server, client };
}

async function failure(promise: Promise<unknown>): Promise<InferenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InferenceError);
  return error as InferenceError;
}

const fp32 = (name: string, values: number[]): Tensor => ({
  name,
  datatype: 'FP32',
  shape: [values.length],
  data: new Float32Array(values),
});

describe('gRPC server and client over a real connection', () => {
  let handler: EchoHandler;
  let server: RunningInferenceGrpcServer;
  let client: InferenceGrpcClient;

  beforeAll(async () => {
    handler = createEchoHandler();
    ({ server, client } = await serve(handler));
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  it('answers the health calls', async () => {
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
    expect(await client.modelReady('echo')).toBe(true);
    expect(await client.modelReady('echo', '1')).toBe(true);
    expect(await client.modelReady('echo', '7')).toBe(false);
    expect(await client.modelReady('missing')).toBe(false);
  });

  it('answers the metadata calls', async () => {
    expect(await client.serverMetadata()).toEqual({
      name: 'keelson-echo',
      version: '0.1.0',
      extensions: [],
    });
    expect(await client.modelMetadata('echo', '2')).toEqual({
      name: 'echo',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
    });
  });

  it('fails metadata for an unknown model with NOT_FOUND', async () => {
    const error = await failure(client.modelMetadata('missing'));
    expect([error.code, error.message]).toEqual(['NOT_FOUND', "unknown model 'missing'"]);
  });

  it.each([
    ['raw contents', true],
    ['typed contents', false],
  ])('round-trips every datatype in %s, echoing the id', async (_form, raw) => {
    const inputs = sampleTensors();
    expectEveryDatatype(inputs);
    const response = await client.infer(
      { model: 'echo', version: '1', id: `req-${raw}`, inputs, parameters: { trace: 'on', n: 3 } },
      { raw },
    );
    expect(response).toEqual({
      model: 'echo',
      version: '1',
      id: `req-${raw}`,
      outputs: inputs,
      parameters: { trace: 'on', n: 3 },
    });
    expect(handler.requests.at(-1)?.inputs).toEqual(inputs);
  });

  it('returns only the requested outputs', async () => {
    const response = await client.infer({
      model: 'echo',
      inputs: [fp32('a', [1]), fp32('b', [2])],
      outputs: [{ name: 'b' }],
    });
    expect(response.outputs).toEqual([fp32('b', [2])]);
    expect(response.id).toBeUndefined();
  });

  it('fails an invalid request with INVALID_ARGUMENT and the reason', async () => {
    const wrongShape = { ...fp32('a', [1, 2, 3]), shape: [2] };
    const error = await failure(client.infer({ model: 'echo', inputs: [wrongShape] }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      "input 'a': raw contents hold 12 bytes but shape [2] of FP32 needs 8",
    );
    const typed = await failure(
      client.infer({ model: 'echo', inputs: [wrongShape] }, { raw: false }),
    );
    expect(typed.message).toBe("input 'a': data has 3 elements but shape [2] needs 2");
  });

  it('fails inference on an unknown model with NOT_FOUND and on a busy one with RESOURCE_EXHAUSTED', async () => {
    const missing = await failure(client.infer({ model: 'missing', inputs: [fp32('a', [1])] }));
    expect(missing.code).toBe('NOT_FOUND');
    const busy = await failure(client.infer({ model: 'busy', inputs: [fp32('a', [1])] }));
    expect([busy.code, busy.message, busy.httpStatus]).toEqual([
      'RESOURCE_EXHAUSTED',
      "model 'busy' has no free worker",
      429,
    ]);
  });

  it('hands the deadline to the handler and fails with DEADLINE_EXCEEDED past it', async () => {
    const deadlineMs = Date.now() + 300;
    const error = await failure(
      client.infer({
        model: 'slow',
        inputs: [fp32('a', [1])],
        parameters: { sleep_ms: 2000 },
        deadlineMs,
      }),
    );
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    const seen = handler.requests.at(-1)?.deadlineMs;
    // grpc-js sends the remaining time, so the server's clock reading differs by a few ms.
    expect(Math.abs((seen ?? 0) - deadlineMs)).toBeLessThan(100);
  });
});

describe('gRPC server limits and unexpected failures', () => {
  it('reports an unexpected handler error as INTERNAL with its message', async () => {
    const handler = {
      ...createEchoHandler(),
      infer: () => Promise.reject(new Error('onnx crashed')),
    };
    const { server, client } = await serve(handler);
    try {
      const error = await failure(client.infer({ model: 'echo', inputs: [fp32('a', [1])] }));
      expect([error.code, error.message]).toEqual(['INTERNAL', 'internal error: onnx crashed']);
    } finally {
      client.close();
      await server.shutdown();
    }
  });

  it('refuses a message over the size limit with RESOURCE_EXHAUSTED', async () => {
    const { server, client } = await serve(createEchoHandler(), 1024);
    try {
      const error = await failure(
        client.infer({ model: 'echo', inputs: [fp32('a', new Array(1000).fill(1))] }),
      );
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
    } finally {
      client.close();
      await server.shutdown();
    }
  });
});
