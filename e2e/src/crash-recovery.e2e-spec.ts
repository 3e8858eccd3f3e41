import { join } from 'node:path';
import { connectNats, EventPublisher, type Messaging } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import { deterministicUuidv7, IngestRecords } from '@keelson/schemas';
import {
  freePort,
  runTsProcess,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { createAdminKey, featureRows, registerDataset } from './support/data-path';

const root = join(__dirname, '../..');
const HTTP_RECORDS = 3_000;
const NATS_RECORDS = 3_000;
const BATCH = 100;

const record = (i: number) => ({
  id: `r${i}`,
  age: 20 + (i % 70),
  income: i % 9 === 0 ? null : 20_000 + (i % 50) * 1_500,
  default: i % 5 === 0,
});

/**
 * The fault the platform exists for: kill -9 of ingestion and of preprocessing while records
 * stream in over HTTP and JetStream, then restart. Afterwards the stored records and feature rows
 * must equal the unique accepted records exactly: nothing lost, nothing counted twice.
 */
describe('kill -9 of ingestion and preprocessing mid-stream', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  let messaging: Messaging;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
  });

  it('stores every unique record and feature row exactly once', async () => {
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/crash_e2e_${uniqueId()}`);
    const [ingestionPort, preprocessingPort] = [await freePort(), await freePort()];
    const env = {
      MONGO_URL: mongoUrl,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      INGESTION_HTTP_PORT: String(ingestionPort),
      PREPROCESSING_HTTP_PORT: String(preprocessingPort),
    };
    const ingestionUrl = `http://127.0.0.1:${ingestionPort}`;
    const start = async (app: 'ingestion' | 'preprocessing', port: number) => {
      const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), env); // as deployed
      processes.push(p);
      await waitForOk(`http://127.0.0.1:${port}/health/ready`);
      return p;
    };

    connection = await connectMongo({ url: mongoUrl });
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'crash-e2e' });
    const key = await createAdminKey(connection);
    let ingestion = await start('ingestion', ingestionPort);
    let preprocessing = await start('preprocessing', preprocessingPort);

    const dataset = `crash_${uniqueId()}`;
    const schema = {
      label: 'default',
      key: 'id',
      fields: {
        id: { type: 'category' },
        age: { type: 'integer' },
        income: { type: 'number', required: false },
        default: { type: 'boolean' },
      },
    };
    await registerDataset(ingestionUrl, key, dataset, schema);

    // A producer that retries a batch until it is acknowledged, as any real producer must.
    const sendHttp = async (from: number) => {
      const body = Array.from({ length: BATCH }, (_, j) => JSON.stringify(record(from + j))).join(
        '\n',
      );
      await waitFor(
        `batch ${from} accepted`,
        async () => {
          const r = await fetch(`${ingestionUrl}/v1/datasets/${dataset}/records`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
            body,
          }).catch(() => undefined);
          return r?.status === 200;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    };
    const publisher = new EventPublisher(messaging.js, 'crash-e2e-producer');
    const sendNats = (from: number) =>
      publisher.publish(
        IngestRecords,
        { records: Array.from({ length: BATCH }, (_, j) => record(HTTP_RECORDS + from + j)) },
        { subject: dataset, id: deterministicUuidv7(1_700_000_000_000, `${dataset}:${from}`) },
      );

    for (let b = 0; b < HTTP_RECORDS / BATCH; b++) {
      await Promise.all([sendHttp(b * BATCH), sendNats(b * BATCH)]);
      if (b === 8) {
        await ingestion.kill('SIGKILL');
        ingestion = await start('ingestion', ingestionPort);
      }
      if (b === 18) {
        await preprocessing.kill('SIGKILL');
        preprocessing = await start('preprocessing', preprocessingPort);
      }
    }
    // A producer unsure whether its last batches landed sends them again.
    for (const from of [0, 1_000, 2_900]) await sendHttp(from);

    const unique = HTTP_RECORDS + NATS_RECORDS;
    const count = (collection: string) =>
      connection.collection(collection).countDocuments({ dataset });
    const rows = () => featureRows(connection, dataset);
    await waitFor('every record stored', async () => (await count('records')) === unique, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await waitFor('every feature row stored', async () => (await rows()).records === unique, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await waitFor(
      'both consumers drained',
      async () => {
        const [i, p] = await Promise.all([
          messaging.jsm.consumers.info('INGEST', 'ingestion'),
          messaging.jsm.consumers.info('RECORDS', 'preprocessing'),
        ]);
        const left = {
          ingestion: i.num_pending + i.num_ack_pending,
          preprocessing: p.num_pending + p.num_ack_pending,
        };
        // Thrown, so a timeout reports what was still waiting.
        if (left.ingestion + left.preprocessing > 0)
          throw new Error(`still pending: ${JSON.stringify(left)}`);
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect({ records: await count('records'), featureRows: await rows() }).toEqual({
      records: unique,
      featureRows: { rows: unique, records: unique },
    });
    const stats = await fetch(
      `http://127.0.0.1:${preprocessingPort}/v1/datasets/${dataset}/features`,
      { headers: { authorization: `Bearer ${key}` } },
    ).then((r) => r.json() as Promise<{ stats: { records: number } }>);
    // Exact: a batch whose process died between storing its rows and merging their statistics is
    // counted by the redelivery, and never twice.
    expect(stats.stats.records).toBe(unique);
  }, 300_000);
});
