/**
 * An existing client works unchanged: NVIDIA's tritonclient (HTTP and gRPC) against a real node,
 * each in its own process.
 * Python and tritonclient are set up by tools/test/ensure-tritonclient.sh; if that is impossible
 * the test fails, it never skips.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { testNodeToken } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

const run = (file: string, args: string[], timeoutMs: number) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    ),
  );

describe('tritonclient against a prediction node', () => {
  let f: NodeProcessFixture;
  let python: string;
  beforeAll(async () => {
    const ensured = await run(
      'bash',
      [join(__dirname, '../../../tools/test/ensure-tritonclient.sh')],
      540_000,
    );
    if (ensured.code !== 0)
      throw new Error(`Python with tritonclient could not be set up:\n${ensured.stderr}`);
    python = ensured.stdout.trim().split('\n').at(-1)!;
    f = await nodeProcessFixture();
  }, 600_000);
  afterAll(() => f?.close());

  it('passes every check over HTTP and gRPC', async () => {
    const rest = new URL(f.addresses.http).host;
    const result = await run(
      python,
      [
        join(__dirname, 'triton-client/node_conformance.py'),
        '--rest',
        rest,
        '--grpc',
        f.addresses.grpc,
        '--model',
        f.model,
        '--token',
        testNodeToken(),
      ],
      120_000,
    );
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { ok?: boolean; check?: string; passed?: number; failed?: number },
      );
    const failed = lines.filter((l) => l.ok === false);
    expect(failed).toEqual([]);
    expect(lines.at(-1)).toEqual({ passed: 11, failed: 0 }); // 5 checks per protocol, and agreement
    expect(result.code).toBe(0);
  });
});
