import type { Tensor } from '@keelson/inference';
import { waitFor } from '@keelson/testing';
import { churnInputs, gatewayFixture, type GatewayFixture } from './gateway-fixture';

const tensors = (seed: number): Tensor[] => [
  { name: 'tenure', datatype: 'FP64', shape: [1, 1], data: Float64Array.of(seed % 48) },
  { name: 'spend', datatype: 'FP64', shape: [1, 1], data: Float64Array.of(30) },
  { name: 'plan', datatype: 'BYTES', shape: [1, 1], data: ['team'] },
];

describe.each(['http', 'grpc'])(
  'a node killed under load (gateway to nodes over %s)',
  (transport) => {
    let f: GatewayFixture;
    beforeAll(async () => {
      f = await gatewayFixture({ GATEWAY_NODE_TRANSPORT: transport });
      await f.publishModel({ production: 1 });
      await f.startNodes(3);
    });
    afterAll(() => f?.close());

    it('fails no client request and takes the dead node out of rotation', async () => {
      const { outcomes, stop } = load(f, 8);
      const victim = f.nodes[0];
      let beforeKill = 0;
      let killedAt = 0;
      let atEjection = 0;
      try {
        // Load reaches every node before the kill, so the victim dies with requests in flight.
        await waitFor('traffic on every node', async () => {
          await f.freshHeartbeats();
          return f.nodes.every((n) => f.served(n.nodeId) > 50);
        });
        beforeKill = outcomes.ok;
        killedAt = Date.now();
        await victim.process.kill('SIGKILL');
        await waitFor('the dead node out of rotation', () =>
          f.gateway.nodes().every((n) => n.nodeId !== victim.nodeId || !n.routable),
        ).catch((e: Error) => {
          throw new Error(`${e.message}; the gateway's pool: ${JSON.stringify(f.gateway.nodes())}`);
        });
        atEjection = outcomes.ok;
        // The load goes on for several seconds with the node dead (its bucket entry outlives it).
        await waitFor(
          '4 s and 300 answers after the kill',
          () => Date.now() - killedAt > 4_000 && outcomes.ok > atEjection + 300,
          { timeoutMs: 30_000, intervalMs: 200 },
        );
      } finally {
        await stop();
      }

      expect(outcomes.failed).toEqual([]);
      expect(outcomes.ok - beforeKill).toBeGreaterThan(300);
      const view = f.gateway.nodes().find((n) => n.nodeId === victim.nodeId);
      expect(view === undefined || view.circuit !== 'closed').toBe(true);
      expect(
        f.gateway
          .nodes()
          .filter((n) => n.routable)
          .map((n) => n.nodeId)
          .sort(),
      ).toEqual([f.nodes[1].nodeId, f.nodes[2].nodeId].sort());
    });
  },
);

describe('a frozen node (SIGSTOP): timeouts open its circuit, a probe closes it once it thaws', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await gatewayFixture({
      GATEWAY_ATTEMPT_TIMEOUT: '400ms',
      GATEWAY_BREAKER_FAILURES: '3',
      GATEWAY_BREAKER_COOLDOWN: '500ms',
    });
    await f.publishModel({ production: 1 });
    await f.startNodes(2);
  });
  afterAll(async () => {
    f?.nodes[0].process.child.kill('SIGCONT');
    await f?.close();
  });

  it('retries the stuck requests elsewhere, then routes to the node again when it answers', async () => {
    const { outcomes, stop } = load(f, 4);
    const [frozen] = f.nodes;
    try {
      await waitFor('traffic on both nodes', async () => {
        await f.freshHeartbeats();
        return f.nodes.every((n) => f.served(n.nodeId) > 20);
      });
      frozen.process.child.kill('SIGSTOP'); // the connection stays open; only time tells
      await waitFor('the circuit of the frozen node to open', () =>
        f.gateway.nodes().some((n) => n.nodeId === frozen.nodeId && n.circuit !== 'closed'),
      );
      const atOpen = outcomes.ok;
      await waitFor('answers while the node is frozen', () => outcomes.ok > atOpen + 100);
      frozen.process.child.kill('SIGCONT');
      await waitFor('the circuit to close after a probe', () =>
        f.gateway.nodes().some((n) => n.nodeId === frozen.nodeId && n.circuit === 'closed'),
      );
      const thawed = f.served(frozen.nodeId);
      await waitFor('the thawed node to serve again', async () => {
        await f.freshHeartbeats();
        return f.served(frozen.nodeId) > thawed + 20;
      });
    } finally {
      await stop();
    }
    expect(outcomes.failed).toEqual([]);
  });
});

/**
 * `clients` callers in a closed loop against the gateway, half over REST and half over gRPC,
 * counting answers and failures until stopped.
 */
function load(f: GatewayFixture, clients: number) {
  const outcomes = { ok: 0, failed: [] as string[] };
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const grpc = c % 2 === 1 ? f.grpc() : undefined;
    for (let i = 0; running; i++) {
      try {
        if (grpc) {
          await grpc.infer({
            model: f.model,
            inputs: tensors(i),
            deadlineMs: Date.now() + 10_000,
          });
        } else {
          const answer = await f.call('POST', `/v2/models/${f.model}/infer`, {
            body: { inputs: churnInputs(1, i) },
          });
          if (answer.status !== 200)
            throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
        outcomes.ok++;
      } catch (error) {
        outcomes.failed.push(`client ${c}: ${(error as Error).message}`);
        if (outcomes.failed.length >= 20) running = false; // enough to see what went wrong
        await new Promise((resolve) => setImmediate(resolve)); // a failing client must not spin
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
