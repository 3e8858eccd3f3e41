import { churnInputs, gatewayFixture, type GatewayFixture } from './gateway-fixture';

const HEDGE_AFTER_MS = 100;
const ATTEMPT_TIMEOUT_MS = 8_000;

describe.each(['http', 'grpc'])(
  'hedging past a frozen node (gateway to nodes over %s)',
  (transport) => {
    let f: GatewayFixture;
    beforeAll(async () => {
      f = await gatewayFixture({
        GATEWAY_NODE_TRANSPORT: transport,
        GATEWAY_HEDGE_AFTER: `${HEDGE_AFTER_MS}ms`,
        GATEWAY_ATTEMPT_TIMEOUT: `${ATTEMPT_TIMEOUT_MS}ms`,
        // A frozen node sends no heartbeats: these keep the gateway from setting it aside for its
        // silence while the test runs, so it keeps drawing first attempts only a hedge can rescue.
        GATEWAY_NODE_STALE_AFTER: '2m',
        GATEWAY_NODE_FORGET_AFTER: '5m',
        // The budget's floor (20/s over the 10 s window) covers a hedge for every request sent here.
        GATEWAY_RETRY_MIN_PER_SECOND: '20',
      });
      await f.publishModel({ production: 1 });
      await f.startNodes(2);
    });
    afterAll(async () => {
      for (const n of f?.nodes ?? []) n.process.child.kill('SIGCONT');
      await f?.close();
    });

    it('answers every request from the other node long before the attempt timeout, and drops the frozen node by its lost races', async () => {
      const infer = (i: number) =>
        f.call('POST', `/v2/models/${f.model}/infer`, { body: { inputs: churnInputs(1, i) } });
      // Both nodes have served (and have open connections) before one of them freezes.
      for (let i = 0; i < 40; i++) expect((await infer(i)).status).toBe(200);
      await f.freshHeartbeats();
      expect(f.nodes.map((n) => f.served(n.nodeId) > 0)).toEqual([true, true]);
      const hedged = { model: f.model, kind: 'hedge' };
      const retried = { model: f.model, kind: 'retry' };
      const hedgesBefore = await f.metric('keelson_gateway_retries_total', hedged);
      const retriesBefore = await f.metric('keelson_gateway_retries_total', retried);

      const [frozen] = f.nodes;
      const circuit = () => f.gateway.nodes().find((n) => n.nodeId === frozen.nodeId)?.circuit;
      expect(f.gateway.nodes().map((n) => n.routable)).toEqual([true, true]);
      const statuses: number[] = [];
      const latencies: number[] = [];
      frozen.process.child.kill('SIGSTOP'); // it holds its connections open and never answers
      try {
        // One caller at a time, until the frozen node's circuit opens, then 20 requests more.
        const deadline = Date.now() + 30_000;
        for (let i = 0, after = 0; after < 20 && Date.now() < deadline; i++) {
          if (circuit() !== 'closed') after++;
          const started = performance.now();
          statuses.push((await infer(i)).status);
          latencies.push(performance.now() - started);
        }
      } finally {
        frozen.process.child.kill('SIGCONT');
      }

      expect(statuses).toEqual(Array(statuses.length).fill(200));
      // The frozen node never answers, so a first attempt sent to it ends in a hedge or in a retry
      // after the attempt timeout (8 s). No retry, every answer far sooner: the hedges answered.
      expect(Math.max(...latencies)).toBeLessThan(ATTEMPT_TIMEOUT_MS / 4);
      expect(await f.metric('keelson_gateway_retries_total', retried)).toBe(retriesBefore);
      // Each hedge's loser had 8 hedge delays to answer, did not, and counted as a slow loss: five
      // in a row (GATEWAY_BREAKER_FAILURES) opened the circuit, with no attempt timing out.
      expect(circuit()).not.toBe('closed');
      const slowLosses = await f.metric('keelson_gateway_node_attempts_total', {
        node: frozen.nodeId,
        outcome: 'slow_loss',
      });
      expect(slowLosses).toBeGreaterThanOrEqual(5);
      const hedges = (await f.metric('keelson_gateway_retries_total', hedged)) - hedgesBefore;
      expect(hedges).toBeGreaterThanOrEqual(slowLosses);
      expect(hedges).toBeLessThanOrEqual(statuses.length); // one extra attempt per request at most
    });
  },
);
