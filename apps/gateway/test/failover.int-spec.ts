import { waitFor } from '@keelson/testing';
import { clientLoad } from './client-load';
import { gatewayFixture, type GatewayFixture } from './gateway-fixture';

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
      const { outcomes, stop } = clientLoad(f, 8);
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

// With the default hedging, the circuit opens on the hedge races the frozen node loses (slow
// losses) as much as on the 400 ms attempt timeouts; either way its requests are answered elsewhere.
describe('a frozen node (SIGSTOP): its circuit opens, a probe closes it once it thaws', () => {
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
    const { outcomes, stop } = clientLoad(f, 4);
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
