/**
 * Clients of the front door work unchanged: NVIDIA's tritonclient (HTTP and gRPC) against the
 * gateway in front of a real node, over each transport the gateway can use to reach its nodes
 * (the relays of REST bodies and of ModelInfer messages included).
 * Python and tritonclient are set up by tools/test/ensure-tritonclient.sh; if that is impossible
 * the test fails, it never skips.
 */
import { tritonConformance, tritonPython } from '@keelson/testing';
import { gatewayFixture, type GatewayFixture } from './gateway-fixture';

describe.each(['http', 'grpc'])('tritonclient against the gateway, nodes over %s', (transport) => {
  let f: GatewayFixture;
  let python: string;
  beforeAll(async () => {
    python = await tritonPython();
    f = await gatewayFixture({ GATEWAY_NODE_TRANSPORT: transport });
    await f.publishModel({ production: 1 });
    await f.startNodes(1);
  }, 600_000);
  afterAll(() => f?.close());

  it('passes every check over HTTP and gRPC', async () => {
    const { code, lines } = await tritonConformance(python, {
      rest: new URL(f.gateway.url).host,
      grpc: f.gateway.grpcAddress,
      model: f.model,
      token: f.key,
    });
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
    expect(lines.at(-1)).toEqual({ passed: 11, failed: 0 }); // 5 checks per protocol, and agreement
    expect(code).toBe(0);
  });
});
