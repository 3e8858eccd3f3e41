/**
 * An existing client works unchanged: NVIDIA's tritonclient (HTTP and gRPC) against a real node,
 * each in its own process.
 * Python and tritonclient are set up by tools/test/ensure-tritonclient.sh; if that is impossible
 * the test fails, it never skips.
 */
import { testNodeToken, tritonConformance, tritonPython } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

describe('tritonclient against a prediction node', () => {
  let f: NodeProcessFixture;
  let python: string;
  beforeAll(async () => {
    python = await tritonPython();
    f = await nodeProcessFixture();
  }, 600_000);
  afterAll(() => f?.close());

  it('passes every check over HTTP and gRPC', async () => {
    const { code, lines } = await tritonConformance(python, {
      rest: new URL(f.addresses.http).host,
      grpc: f.addresses.grpc,
      model: f.model,
      token: testNodeToken(),
    });
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
    expect(lines.at(-1)).toEqual({ passed: 11, failed: 0 }); // 5 checks per protocol, and agreement
    expect(code).toBe(0);
  });
});
