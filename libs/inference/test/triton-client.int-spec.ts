/**
 * Conformance with NVIDIA's own Open Inference Protocol clients: tritonclient.http (plain JSON)
 * and tritonclient.grpc (raw contents) drive the echo server's REST and gRPC front ends. Python and
 * tritonclient are set up by ensure-tritonclient.sh; when that cannot be done the test fails, it
 * never skips.
 */
import { join } from 'node:path';
import { runCommand as run, tritonPython } from '@keelson/testing';
import { DATATYPES } from '../src/protocol/tensor';
import { startEchoServer, type EchoServer } from './triton-client/echo-server';

const dir = join(__dirname, 'triton-client');

interface Check {
  protocol: 'http' | 'grpc';
  check: string;
  ok: boolean;
  detail: unknown;
}

describe('tritonclient against the Keelson protocol front ends', () => {
  let python: string;
  let server: EchoServer;

  beforeAll(async () => {
    python = await tritonPython();
    server = await startEchoServer();
  }, 600_000);

  afterAll(async () => {
    await server?.close();
  });

  it('passes every conformance check over HTTP and gRPC', async () => {
    const result = await run(
      python,
      [join(dir, 'conformance.py'), '--rest', server.rest, '--grpc', server.grpc],
      120_000,
    );
    const lines = result.stdout.trim().split('\n').filter(Boolean);
    const checks = lines.slice(0, -1).map((line) => JSON.parse(line) as Check);
    const failed = checks.filter((c) => !c.ok);
    if (result.code !== 0 || failed.length > 0) {
      throw new Error(
        `conformance.py exited ${result.code}:\n${failed.map((c) => JSON.stringify(c)).join('\n')}\n${result.stderr}`,
      );
    }
    const summary = JSON.parse(lines.at(-1)!) as { passed: number; failed: number };
    expect(summary).toMatchObject({ failed: 0, passed: checks.length });

    const names = (protocol: Check['protocol']) =>
      checks.filter((c) => c.protocol === protocol).map((c) => c.check);
    for (const protocol of ['http', 'grpc'] as const) {
      expect(names(protocol)).toEqual(
        expect.arrayContaining([
          'is_server_live',
          'is_server_ready',
          'get_server_metadata',
          'get_model_metadata',
          'is_model_ready',
          'infer(unknown output) fails INVALID_ARGUMENT',
          'infer(missing model) fails NOT_FOUND',
          'infer(busy) fails RESOURCE_EXHAUSTED',
        ]),
      );
      const everyType = checks.find(
        (c) => c.protocol === protocol && c.check.startsWith('infer ('),
      );
      expect((everyType?.detail as { datatypes: string[] }).datatypes.sort()).toEqual(
        [...DATATYPES].sort(),
      );
    }
    expect(names('grpc')).toContain('infer past client_timeout fails DEADLINE_EXCEEDED');
    // The echo saw what the clients sent: ids survive both front ends.
    expect(server.handler.requests.map((r) => r.id)).toEqual(
      expect.arrayContaining(['conformance-http', 'conformance-grpc']),
    );
  });
});
