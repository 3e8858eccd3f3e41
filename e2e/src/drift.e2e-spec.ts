import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connectNats, decodeJson, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import type { AlertData } from '@keelson/schemas';
import {
  freePort,
  runTsProcess,
  testInfra,
  testNodeHeaders,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { CREDIT_SCHEMA, generateCredit, type CreditRecord } from '@keelson/sample-data';

const root = join(__dirname, '../..');
const FIELDS = ['age', 'income', 'debt_ratio', 'credit_score', 'employment'] as const;

/** Credit records as the model's inputs: one [N,1] tensor per raw field. */
function inputs(records: CreditRecord[]) {
  return FIELDS.map((name) => ({
    name,
    datatype: name === 'employment' ? 'BYTES' : 'FP64',
    shape: [records.length, 1],
    data: records.map((r) =>
      name === 'employment' ? (r.employment ?? '') : ((r[name] as number | null) ?? 'NaN'),
    ),
  }));
}

/**
 * Drift on the credit model, every service a real process: the training service learns the
 * reference from the records ingestion and preprocessing stored; a prediction node samples every
 * call; monitoring judges windows of samples. In-distribution traffic is clean; the same traffic
 * with a doubled income names income, and only income.
 */
describe('drift on the credit model', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  let messaging: Messaging;
  const alerts: AlertData[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
  });

  it('names the shifted feature', async () => {
    const id = uniqueId();
    const dataset = `credit_${id}`;
    const model = `credit_${id}`;
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/drift_e2e_${id}`);
    const ports = {
      ingestion: await freePort(),
      preprocessing: await freePort(),
      training: await freePort(),
      monitoring: await freePort(),
    };
    const env = {
      MONGO_URL: mongoUrl,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      INGESTION_HTTP_PORT: String(ports.ingestion),
      PREPROCESSING_HTTP_PORT: String(ports.preprocessing),
      TRAINING_HTTP_PORT: String(ports.training),
      MONITORING_HTTP_PORT: String(ports.monitoring),
      MONITORING_DRIFT_WINDOW: '500',
      MONITORING_DRIFT_MIN_ROWS: '200',
    };
    const start = (app: string, extra: Record<string, string> = {}) => {
      const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), { ...env, ...extra });
      processes.push(p);
      return p;
    };
    connection = await connectMongo({ url: mongoUrl });
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'drift-e2e' });
    messaging.nc.subscribe('alert.drift', {
      callback: (error, msg) => {
        const decoded = error ? undefined : decodeJson(msg.data);
        const data = decoded?.ok ? (decoded.value as { data: AlertData }).data : undefined;
        if (data?.target.startsWith(model)) alerts.push(data);
      },
    });
    const { key } = await new ApiKeyRepository(connection).create({
      name: 'e2e',
      scopes: ['admin'],
      ratePerSecond: 10_000,
      burst: 10_000,
    });
    // `node`: the call goes to a prediction node, with the node token instead of the API key.
    const call = async (url: string, method: string, body?: unknown, node = false) => {
      const auth = node ? testNodeHeaders() : { authorization: `Bearer ${key}` };
      const response = await fetch(url, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    for (const app of ['ingestion', 'preprocessing', 'training', 'monitoring'] as const) start(app);
    await Promise.all(
      Object.values(ports).map((p) =>
        waitForOk(`http://127.0.0.1:${p}/health/ready`, { timeoutMs: 90_000 }),
      ),
    );

    const ingestion = `http://127.0.0.1:${ports.ingestion}`;
    expect((await call(`${ingestion}/v1/datasets/${dataset}`, 'PUT', CREDIT_SCHEMA)).status).toBe(
      201,
    );
    const records = [...generateCredit({ seed: 42, rows: 4_000 })].map((r) => r.record);
    for (let i = 0; i < records.length; i += 1_000) {
      const sent = await call(
        `${ingestion}/v1/datasets/${dataset}/records`,
        'POST',
        records.slice(i, i + 1_000),
      );
      expect(sent.status).toBe(200);
    }
    await waitFor(
      'feature rows for every record',
      async () => {
        const r = await fetch(
          `http://127.0.0.1:${ports.preprocessing}/v1/datasets/${dataset}/features`,
          { headers: { authorization: `Bearer ${key}` } },
        );
        return r.ok && ((await r.json()) as { featureRows: number }).featureRows >= records.length;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const training = `http://127.0.0.1:${ports.training}`;
    const job = await call(`${training}/v1/training-jobs`, 'POST', {
      model,
      dataset,
      algorithm: 'logistic',
    });
    expect(job.status).toBe(202);
    const done = await waitFor(
      'the job to succeed',
      async () => {
        const j = (await call(`${training}/v1/training-jobs/${job.body._id}`, 'GET')).body;
        if (j.status === 'failed') throw new Error(`training failed: ${j.error}`);
        return j.status === 'succeeded' ? j : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(done.result.promoted).toBe(true);
    const version = (
      await call(`${training}/v1/models/${model}/versions/${done.result.version}`, 'GET')
    ).body;
    expect(Object.keys(version.reference.features).sort()).toEqual([...FIELDS].sort());

    const node = start('prediction', {
      NODE_ID: `${model}_node`,
      PREDICTION_MODELS: model,
      PREDICTION_HTTP_PORT: '0',
      PREDICTION_GRPC_PORT: '0',
      PREDICTION_SAMPLE_RATE: '1',
      PREDICTION_SAMPLE_FLUSH: '200ms',
    });
    const nodes = await new Kvm(messaging.js).open('nodes');
    const address = await waitFor(
      'the node to serve the model',
      async () => {
        if (node.child.exitCode !== null) throw new Error(node.errors());
        const e = await nodes.get(`${model}_node`);
        const v =
          e?.operation === 'PUT'
            ? e.json<{ addresses: { http: string }; models: Array<{ ready: boolean }> }>()
            : undefined;
        return v?.models.some((m) => m.ready) ? v.addresses.http : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const predict = async (batch: CreditRecord[]) => {
      for (let i = 0; i < batch.length; i += 50) {
        const r = await call(
          `${address}/v2/models/${model}/infer`,
          'POST',
          { inputs: inputs(batch.slice(i, i + 50)) },
          true,
        );
        expect(r.status).toBe(200);
      }
    };
    const monitoring = `http://127.0.0.1:${ports.monitoring}`;
    const verdicts = async () =>
      (await call(`${monitoring}/v1/drift/${model}`, 'GET')).body.versions?.[0];

    // Traffic like the training data: a clean window.
    await predict([...generateCredit({ seed: 7, rows: 600 })].map((r) => r.record));
    const clean = await waitFor('a clean window', async () => (await verdicts())?.latest, {
      timeoutMs: 30_000,
    });
    expect(clean.verdict).toBe('ok');
    expect(alerts).toEqual([]);

    // The same traffic with every income doubled.
    const shifted = [...generateCredit({ seed: 8, rows: 600 })].map((r) => ({
      ...r.record,
      income: r.record.income === null ? null : r.record.income * 2,
    }));
    await predict(shifted);
    const alert = await waitFor('alert.drift', () => alerts.find((a) => a.state === 'firing'), {
      timeoutMs: 30_000,
    });
    expect(alert.target).toBe(`${model}@${done.result.version}`);
    expect(alert.message).toContain('income');
    const latest = (await verdicts()).latest;
    expect(latest.drifted.map((d: { feature: string }) => d.feature)).toEqual(['income']);
    const psi = Object.fromEntries(
      latest.features.map((f: { feature: string; psi: number }) => [f.feature, f.psi]),
    );
    process.stdout.write(`drift e2e PSI per feature: ${JSON.stringify(psi)}\n`);
    expect(psi.income).toBeGreaterThanOrEqual(0.25);
  }, 300_000);
});
