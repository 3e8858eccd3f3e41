import { createInferenceGrpcClient, type InferenceGrpcClient } from '@keelson/inference';
import { connectNats, provision, type Messaging } from '@keelson/messaging';
import { CATALOGUE } from '@keelson/schemas';
import {
  apiClient,
  publishTestModel,
  runPredictionNode,
  testInfra,
  testNodeHeaders,
  testNodeToken,
  uniqueId,
  waitFor,
  type TsProcess,
} from '@keelson/testing';
import { Kvm } from '@nats-io/kv';

/** The part of a node's `nodes` bucket entry a test needs: where it listens, what it serves. */
interface NodeEntry {
  addresses: { http: string; grpc: string };
  models: Array<{ name: string; version: number; ready: boolean }>;
}

export type NodeProcessFixture = Awaited<ReturnType<typeof nodeProcessFixture>>;

/**
 * A test model of its own (version 1 in production) and a prediction node that serves only it,
 * started as its own process: the node has its own event loop, so what the test sees of it
 * (queueing, refusals, a swap) is what a client across the network would see, and the test can
 * signal it. The OS picks its ports; the node's entry in the `nodes` bucket, written once it
 * listens with its model warm, says where they are.
 */
export async function nodeProcessFixture(env: Record<string, string> = {}) {
  const model = `m_${uniqueId()}`;
  const nodeId = `node_${uniqueId()}`;
  const messaging: Messaging = await connectNats({ url: testInfra.natsUrl, name: 'node-test' });
  // The buckets the model is published to exist before any node has started (a fresh server).
  await provision(messaging.nc, messaging.jsm, CATALOGUE);
  await publishTestModel(messaging.js, model, { production: 1 });
  const node: TsProcess = runPredictionNode(nodeId, [model], env);
  const running = () => node.child.exitCode === null && node.child.signalCode === null;
  const nodes = await new Kvm(messaging.js).open('nodes');
  const models = await new Kvm(messaging.js).open('models');
  const grpcClients: InferenceGrpcClient[] = [];

  const close = async () => {
    for (const client of grpcClients) client.close();
    if (running()) node.child.kill('SIGCONT'); // a stopped node would never see SIGTERM
    await node.kill('SIGTERM');
    // The node deletes its own entry on a clean shutdown; these are for one that did not start.
    await nodes.purge(nodeId).catch(() => undefined);
    await models.purge(model).catch(() => undefined);
    await messaging.drain();
  };

  // SWC compiles the node on the fly: tens of seconds on a busy two-core machine.
  const seen = await waitFor(
    `node ${nodeId} to serve ${model}`,
    async () => {
      if (!running()) return 'exited' as const;
      const entry = await nodes.get(nodeId);
      if (entry?.operation !== 'PUT') return undefined;
      const value = entry.json<NodeEntry>();
      return value.models.some((m) => m.name === model && m.ready) ? value : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  ).catch(async (error: Error) => {
    await close();
    throw error;
  });
  if (seen === 'exited') {
    await close();
    throw new Error(
      `node ${nodeId} exited with ${node.child.exitCode ?? node.child.signalCode} before serving ` +
        `${model}\nstdout: ${node.output().slice(-2_000)}\nstderr: ${node.errors().slice(-2_000)}`,
    );
  }

  return {
    model,
    nodeId,
    process: node,
    /** Where it listens, as it registered itself: `http://host:port` and `host:port`. */
    addresses: seen.addresses,
    /** The fixture's own NATS connection (to read the node's events and buckets). */
    messaging,
    running,
    /** Calls the node's REST port with the node token, as the gateway does. */
    call: apiClient(() => seen.addresses.http, testNodeToken()),

    /** A gRPC client of the node with the node token, closed with the fixture. */
    grpc(): InferenceGrpcClient {
      const client = createInferenceGrpcClient(seen.addresses.grpc, {
        metadata: testNodeHeaders(),
      });
      grpcClients.push(client);
      return client;
    },

    /** Points production at `version`, as the registry does on a promotion. */
    promote: (version: number) => publishTestModel(messaging.js, model, { production: version }),

    close,
  };
}
