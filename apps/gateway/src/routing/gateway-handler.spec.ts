import { inferenceServiceDefinition, scanProtoTarget } from '@keelson/inference';
import { NodePool, type NodeRecord } from '../pool/node-pool';
import type { CallLimits, NodeTransport, RelayedInfer } from '../transport/node-transport';
import { Dispatcher } from './dispatcher';
import { Overloaded } from './failures';
import { GatewayHandler } from './gateway-handler';
import { hedgeDelayFor } from './hedge-delay';
import { ModelVersions } from './model-versions';
import { RetryBudget } from './retry-budget';

/** Nodes that answer with their own id and the version they were asked for. */
function gateway(nodes: Array<[string, NodeRecord['models']]>, random = Math.random) {
  const pool = new NodePool(
    {
      staleAfterMs: 60_000,
      forgetAfterMs: 60_000,
      breaker: { failures: 3, cooldownMs: 1_000, maxCooldownMs: 1_000 },
    },
    {
      addressOf: (r) => r.nodeId,
      create: (address) =>
        ({
          reachable: () => true,
          close: () => undefined,
          infer: async (request: { model: string; version?: string }, _limits: CallLimits) => ({
            model: request.model,
            version: request.version ?? 'production-of-node',
            outputs: [],
            parameters: { node: address },
          }),
          inferRestBody: async ({ model, version, body }: RelayedInfer) =>
            Buffer.from(
              JSON.stringify({
                model_name: model,
                model_version: version ?? 'production-of-node',
                parameters: { node: address, body: Buffer.from(body).toString('utf8') },
                outputs: [],
              }),
            ),
          // A ModelInferResponse for the version asked, its id the client's bytes as hex.
          inferProtoBody: async ({ model, version, body }: RelayedInfer) =>
            inferenceServiceDefinition().ModelInfer.responseSerialize({
              model_name: model,
              model_version: version ?? 'production-of-node',
              id: Buffer.from(body).toString('hex'),
            }),
        }) as unknown as NodeTransport,
    },
  );
  for (const [nodeId, models] of nodes)
    pool.upsert({ nodeId, addresses: { http: '', grpc: '' }, models });
  const versions = new ModelVersions();
  const budget = new RetryBudget({ budgetRatio: 0.1, minPerSecond: 1, windowMs: 10_000 });
  const handler = new GatewayHandler(
    pool,
    versions,
    new Dispatcher(pool, budget, {
      attemptMs: 1_000,
      hedgeDelay: hedgeDelayFor({ mode: 'off' }, 1_000),
    }),
    5_000,
    undefined,
    random,
  );
  const infer = (model: string, version?: string) => handler.infer({ model, version, inputs: [] });
  return { pool, versions, handler, infer };
}

const m = (version: number, ready = true) => ({ name: 'churn', version, ready });

describe('GatewayHandler', () => {
  it('splits unversioned traffic between production and canary by canaryWeight', async () => {
    const { versions, infer } = gateway([
      ['a', [m(1), m(2)]],
      ['b', [m(1), m(2)]],
    ]);
    versions.set('churn', { production: 1, canary: 2, canaryWeight: 0.25 });
    const served = { '1': 0, '2': 0 } as Record<string, number>;
    for (let i = 0; i < 2_000; i++) served[(await infer('churn')).version!]++;
    expect(served['2'] / 2_000).toBeGreaterThan(0.2);
    expect(served['2'] / 2_000).toBeLessThan(0.3);
  });

  it('sends an explicit version to that version only', async () => {
    const { versions, infer } = gateway([['a', [m(1), m(2)]]], () => 0);
    versions.set('churn', { production: 1, canary: 2, canaryWeight: 1 });
    expect((await infer('churn', '1')).version).toBe('1');
  });

  it('falls back to production while no node has the canary warm, and to the nodes own production mid-rollout', async () => {
    const { versions, infer } = gateway([['a', [m(1), m(2, false)]]], () => 0);
    versions.set('churn', { production: 1, canary: 2, canaryWeight: 1 });
    expect((await infer('churn')).version).toBe('1');
    versions.set('churn', { production: 3 }); // promoted; nodes still loading it
    expect((await infer('churn')).version).toBe('production-of-node');
  });

  it('answers NOT_FOUND for what nobody serves and UNAVAILABLE for what nobody can serve now', async () => {
    const { pool, versions, infer } = gateway([['a', [m(1), m(2, false)]]]);
    versions.set('churn', { production: 1, canary: 3 });
    await expect(infer('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(infer('churn', '9')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(infer('churn', 'latest')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(infer('churn', '2')).rejects.toMatchObject({ code: 'UNAVAILABLE' }); // loading
    await expect(infer('churn', '3')).rejects.toMatchObject({ code: 'UNAVAILABLE' }); // named, nowhere
    pool.setRouting('a', { state: 'ejected', weight: 0 });
    await expect(infer('churn')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('relays a REST body as bytes to the version the rules pick, and counts it as any request', async () => {
    const { versions, handler } = gateway([['a', [m(1), m(2)]]], () => 0);
    versions.set('churn', { production: 1, canary: 2, canaryWeight: 1 });
    const relay = async (version?: string) =>
      JSON.parse(
        Buffer.from(
          await handler.inferRestBody({ model: 'churn', version, body: Buffer.from('{"a":1}') }),
        ).toString('utf8'),
      ) as { model_version: string; parameters: { body: string } };
    expect(await relay()).toMatchObject({ model_version: '2', parameters: { body: '{"a":1}' } });
    expect((await relay('1')).model_version).toBe('1');
    versions.set('churn', { production: 3 }); // no node has 3: sent without a version
    expect((await relay()).model_version).toBe('production-of-node');
    await expect(
      handler.inferRestBody({ model: 'nope', body: Buffer.from('{}') }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect({ requests: handler.requests, errors: handler.errors }).toEqual({
      requests: 4,
      errors: 1,
    });
  });

  it("relays a gRPC client's ModelInfer bytes the same way, to the version the rules pick", async () => {
    const { versions, handler } = gateway([['a', [m(1), m(2)]]], () => 0);
    versions.set('churn', { production: 1, canary: 2, canaryWeight: 1 });
    const body = Buffer.from([0x0a, 0x05, ...Buffer.from('churn')]);
    const relay = async (version?: string) => {
      const answer = Buffer.from(await handler.inferProtoBody({ model: 'churn', version, body }));
      const id = (
        inferenceServiceDefinition().ModelInfer.responseDeserialize(answer) as { id: string }
      ).id;
      return { ...scanProtoTarget(answer), id };
    };
    expect(await relay()).toEqual({ model: 'churn', version: '2', id: body.toString('hex') });
    expect((await relay('1')).version).toBe('1');
    versions.set('churn', { production: 3 }); // no node has 3: sent without a version
    expect((await relay()).version).toBe('production-of-node');
    await expect(handler.inferProtoBody({ model: 'nope', body })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect({ requests: handler.requests, errors: handler.errors }).toEqual({
      requests: 4,
      errors: 1,
    });
  });

  it('is ready while some node takes traffic', () => {
    const { pool, handler } = gateway([['a', [m(1)]]]);
    expect(handler.serverReady()).toBe(true);
    expect(handler.modelReady('churn')).toBe(true);
    expect(handler.modelReady('churn', '2')).toBe(false);
    pool.setRouting('a', { state: 'ejected', weight: 0 });
    expect(handler.serverReady()).toBe(false);
  });

  it('counts a request refused at the door like any failed one, for the heartbeat and SLOs', async () => {
    const { handler, infer } = gateway([['a', [m(1)]]]);
    await infer('churn');
    handler.refusedAtDoor('churn', new Overloaded());
    handler.refusedAtDoor('made-up', new Overloaded());
    expect({ requests: handler.requests, errors: handler.errors }).toEqual({
      requests: 3,
      errors: 2,
    });
    expect(handler.latency.percentiles(Date.now()).count).toBe(3);
    const traffic = Object.fromEntries(handler.traffic.snapshot().map((t) => [t.model, t]));
    expect(traffic.churn).toMatchObject({ requests: 2, serverErrors: 1, clientErrors: 0 });
    expect(Object.keys(traffic).sort()).toEqual(['_unknown', 'churn']);
  });
});
