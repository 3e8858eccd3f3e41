import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connectNats, provision, type Messaging } from '@keelson/messaging';
import { CATALOGUE } from '@keelson/schemas';
import {
  churnInputs,
  publishTestModel,
  runPredictionNode,
  testInfra,
  testNodeHeaders,
  uniqueId,
  waitFor,
  type TsProcess,
} from '@keelson/testing';

/**
 * A model whose artifact is not in the object store yet (a registry mid-upload, a lagging
 * replica): the node must say it is not ready rather than take traffic it cannot answer, keep
 * trying, and serve the model once the artifact is there, without a restart.
 */
describe('a prediction node whose model cannot be loaded at first', () => {
  let messaging: Messaging;
  let node: TsProcess | undefined;
  const model = `m_${uniqueId()}`;
  const nodeId = `node_${uniqueId()}`;
  afterAll(async () => {
    await node?.kill('SIGTERM');
    const models = await new Kvm(messaging.js).open('models');
    await models.purge(model).catch(() => undefined);
    await (await new Kvm(messaging.js).open('nodes')).purge(nodeId).catch(() => undefined);
    await messaging?.drain();
  });

  it('is not ready while nothing answers the model, retries, and serves it once it can', async () => {
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'model-loading-test' });
    await provision(messaging.nc, messaging.jsm, CATALOGUE);
    // An artifact of its own (a seed nobody else uses), taken out of the store again.
    const seed = Number.parseInt(uniqueId(), 16);
    const { 1: sha256 } = await publishTestModel(
      messaging.js,
      model,
      { production: 1 },
      () => seed,
    );
    const store = await new Objm(messaging.js).open('model-artifacts');
    const bytes = (await store.getBlob(`sha256-${sha256}`))!;
    await store.delete(`sha256-${sha256}`);

    node = runPredictionNode(nodeId, [model]);
    const nodes = await new Kvm(messaging.js).open('nodes');
    const http = await waitFor(
      'the node registered',
      async () => {
        if (node!.child.exitCode !== null) throw new Error(`node exited: ${node!.errors()}`);
        const entry = await nodes.get(nodeId);
        return entry?.operation === 'PUT'
          ? entry.json<{ addresses: { http: string } }>().addresses.http
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    const ready = await fetch(`${http}/health/ready`);
    expect(ready.status).toBe(503);
    const infer = () =>
      fetch(`${http}/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...testNodeHeaders() },
        body: JSON.stringify({ inputs: churnInputs(1) }),
      });
    expect((await infer()).status).toBe(404); // not loaded yet: no such model on this node

    await store.putBlob({ name: `sha256-${sha256}` }, bytes);
    await waitFor('the node ready', async () => (await fetch(`${http}/health/ready`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const answer = await infer();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { model_version: string }).model_version).toBe('1');
  }, 150_000);
});
