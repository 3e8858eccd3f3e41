import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { createInferenceGrpcClient, type InferenceGrpcClient } from '@keelson/inference';
import { connectNats, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo, type ApiScope } from '@keelson/persistence';
import {
  apiClient,
  publishTestModel,
  runPredictionNode,
  testInfra,
  uniqueId,
  waitFor,
  type TsProcess,
} from '@keelson/testing';
import { Kvm } from '@nats-io/kv';
import { encodeBucketValue, RoutingValue, type RoutingState } from '@keelson/schemas';
import type { Connection } from 'mongoose';
import { startGateway, type RunningGateway } from '../src/bootstrap';
import { gatewayConfig } from '../src/config';

/** A prediction node as its own process (so a test can SIGKILL it), serving the test's model only. */
export interface NodeProcess {
  nodeId: string;
  process: TsProcess;
}

/**
 * A real gateway on free ports (in this process: it runs no onnxruntime) with its own database for
 * API keys, in front of real prediction nodes started as child processes. Node ids share a
 * prefix the gateway is restricted to, so other tests' nodes on the same NATS never join its pool.
 */
export async function gatewayFixture(env: Record<string, string> = {}) {
  const id = uniqueId();
  const prefix = `gw${id}_`;
  const model = `m_${id}`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/gateway_test_${id}`);
  const messaging: Messaging = await connectNats({ url: testInfra.natsUrl, name: 'gateway-test' });
  const gateway: RunningGateway = await startGateway(
    gatewayConfig.load({
      ...process.env,
      NODE_ID: `gateway_${id}`,
      MONGO_URL: mongoUrl,
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_GRPC_PORT: '0',
      GATEWAY_NODE_PREFIX: prefix,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const keys = new ApiKeyRepository(connection);
  const createKey = async (scopes: ApiScope[], rate = { ratePerSecond: 10_000, burst: 10_000 }) =>
    (await keys.create({ name: 'gateway-test', scopes, ...rate })).key;
  const key = await createKey(['predict']);
  const nodes: NodeProcess[] = [];
  const grpcClients: InferenceGrpcClient[] = [];
  // The nodes' own heartbeats: how many requests each has served, as the node counts them.
  const served = new Map<string, number>();
  const heardAt = new Map<string, number>();
  const heartbeats = messaging.nc.subscribe('telemetry.node.*', {
    callback: (error, msg) => {
      if (error) return;
      const event = msg.json<{ data: { nodeId: string; requests: number } }>();
      if (!event.data.nodeId.startsWith(prefix)) return;
      served.set(event.data.nodeId, event.data.requests);
      heardAt.set(event.data.nodeId, Date.now());
    },
  });

  const fixture = {
    id,
    model,
    gateway,
    messaging,
    key,
    createKey,
    nodes,
    call: apiClient(() => gateway.url, key),

    /** Publishes the test model's versions and pointers, as the registry would. */
    publishModel: (pointers: { production?: number; canary?: number; canaryWeight?: number }) =>
      publishTestModel(messaging.js, model, pointers),

    /** Starts `count` nodes and waits until the gateway routes to each. */
    async startNodes(count: number): Promise<NodeProcess[]> {
      const started = Array.from({ length: count }, () => {
        const nodeId = `${prefix}${nodes.length + 1}`;
        const node = {
          nodeId,
          process: runPredictionNode(nodeId, [model]),
        };
        nodes.push(node);
        return node;
      });
      await waitFor(
        `${count} nodes routable`,
        () => {
          const exited = started.find((n) => n.process.child.exitCode !== null);
          if (exited)
            throw new Error(
              `node ${exited.nodeId} exited: ${exited.process.output().slice(-2_000)}`,
            );
          return started.every((n) =>
            gateway.nodes().some((v) => v.nodeId === n.nodeId && v.routable && !v.stale),
          );
        },
        { timeoutMs: 45_000, intervalMs: 100 },
      ).catch((error: Error) => {
        const view = JSON.stringify(gateway.nodes());
        throw new Error(`${error.message}\ngateway pool: ${view}`);
      });
      return started;
    },

    /** Requests the node has served, from its latest heartbeat (0 before the first). */
    served: (nodeId: string) => served.get(nodeId) ?? 0,

    /** Waits for a heartbeat from every running node sent after now, so `served` is current. */
    async freshHeartbeats(): Promise<void> {
      const since = Date.now();
      await waitFor('a fresh heartbeat from every running node', () =>
        nodes
          .filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null)
          .every((n) => (heardAt.get(n.nodeId) ?? 0) > since),
      );
    },

    /**
     * A counter's total from the gateway's /metrics, over the series that carry every label in
     * `labels` (all of them when none is given).
     */
    async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
      const text = (await fixture.call('GET', '/metrics', { key: null })).body as string;
      const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .filter((line) => wanted.every((pair) => line.includes(pair)))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    },

    /** Sets a node's `routing` entry, as recovery would. */
    async setRouting(
      nodeId: string,
      entry: { state: RoutingState; reason?: string; weight?: number } | undefined,
    ) {
      const kv = await new Kvm(messaging.js).open('routing');
      if (!entry) return void (await kv.delete(nodeId));
      const weight = entry.weight ?? (entry.state === 'active' ? 1 : 0);
      await kv.put(
        nodeId,
        encodeBucketValue(RoutingValue, {
          state: entry.state,
          weight,
          reason: entry.reason ?? 'test',
          since: new Date().toISOString(),
          ejections: entry.state === 'ejected' ? 1 : 0,
        }),
      );
    },

    /** A gRPC client of the gateway that sends `key` (or none) in the authorization metadata. */
    grpc(withKey: string | null = key): InferenceGrpcClient {
      const client = createInferenceGrpcClient(gateway.grpcAddress, {
        channelOptions: withKey ? { interceptors: [bearer(withKey)] } : {},
      });
      grpcClients.push(client);
      return client;
    },

    async close() {
      heartbeats.unsubscribe();
      for (const client of grpcClients) client.close();
      await Promise.all(nodes.map((n) => n.process.kill('SIGTERM')));
      await gateway.close();
      const routing = await new Kvm(messaging.js).open('routing');
      const models = await new Kvm(messaging.js).open('models');
      await Promise.all([
        ...nodes.map((n) => routing.purge(n.nodeId).catch(() => undefined)),
        models.purge(model).catch(() => undefined),
      ]);
      await messaging.drain();
      await connection.dropDatabase();
      await connection.close();
    },
  };
  return fixture;
}

export type GatewayFixture = Awaited<ReturnType<typeof gatewayFixture>>;

/** A client interceptor that sends the API key as call metadata (the lib's client sends none). */
const bearer =
  (key: string): Interceptor =>
  (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${key}`);
        next(metadata, listener);
      },
    });

export { churnInputs } from '@keelson/testing';
