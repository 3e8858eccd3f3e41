import { join } from 'node:path';
import { connectNats, EventPublisher, type Messaging } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import { deterministicUuidv7, IngestRecords } from '@keelson/schemas';
import {
  freePort,
  runTsProcess,
  startMongoFaultProxy,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type MongoFaultProxy,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { createAdminKey, featureRows, registerDataset } from './support/data-path';

const root = join(__dirname, '../..');
const MESSAGES = 1_000;

interface Task {
  _id: string;
  auto: boolean;
  state: string;
  total: number;
  replayed: number;
  selection: { groupId?: string; ids?: string[] };
}

/**
 * The DLQ's promise, every part a real process on the real NATS and FerretDB: the database
 * refuses ingestion's writes (a proxy in front of it) while 1,000 messages arrive, so each uses up
 * its deliveries (1 + 5 + 30 + 120 s of backoff, the production settings) and is dead-lettered.
 * Recovery stores and groups them. The database comes back; recovery sees ingestion ready, sends
 * one probe replay, then replays the group, and is killed -9 halfway and restarted. Afterwards
 * every record and feature row exists exactly once and every dead letter was replayed once.
 * (A message that keeps failing after its replays is parked: dead-letters.int-spec.ts.)
 */
describe('dead letters through a database outage, replayed, with recovery killed mid-replay', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  let messaging: Messaging;
  let proxy: MongoFaultProxy;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
    await proxy?.close();
  });

  it('loses nothing and stores nothing twice', async () => {
    const dbName = `dlq_e2e_${uniqueId()}`;
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/${dbName}`);
    proxy = await startMongoFaultProxy({ target: testInfra.mongoUrl });
    const [ingestionPort, preprocessingPort, recoveryPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const base = { KEELSON_TRACING: 'false', LOG_LEVEL: 'warn', MONGO_URL: mongoUrl };
    const start = async (app: string, port: number, env: Record<string, string>) => {
      const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), { ...base, ...env });
      processes.push(p);
      await waitForOk(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 90_000 });
      return p;
    };
    const startRecovery = () =>
      start('recovery', recoveryPort, {
        RECOVERY_HTTP_PORT: String(recoveryPort),
        NODE_ID: `dlq-e2e-recovery-${processes.length}`,
      });

    connection = await connectMongo({ url: mongoUrl });
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'dlq-e2e' });
    const key = await createAdminKey(connection);
    const call = async <T>(path: string): Promise<T> => {
      const r = await fetch(`http://127.0.0.1:${recoveryPort}${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    await start('ingestion', ingestionPort, {
      INGESTION_HTTP_PORT: String(ingestionPort),
      MONGO_URL: proxy.url(dbName),
    });
    await start('preprocessing', preprocessingPort, {
      PREPROCESSING_HTTP_PORT: String(preprocessingPort),
    });
    let recovery = await startRecovery();

    const dataset = `dlq_${uniqueId()}`;
    await registerDataset(`http://127.0.0.1:${ingestionPort}`, key, dataset, {
      label: 'default',
      key: 'id',
      fields: { id: { type: 'category' }, age: { type: 'integer' }, default: { type: 'boolean' } },
    });

    // The outage: pings and reads answer, writes are refused, so nothing can be stored.
    proxy.setMode('fail-writes');
    const publisher = new EventPublisher(messaging.js, 'dlq-e2e-producer');
    for (let i = 0; i < MESSAGES; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          publisher.publish(
            IngestRecords,
            {
              records: [{ id: `r${i + j}`, age: 20 + ((i + j) % 60), default: (i + j) % 4 === 0 }],
            },
            {
              subject: dataset,
              id: deterministicUuidv7(1_700_000_000_000, `${dataset}:${i + j}`),
            },
          ),
        ),
      );

    const letters = connection.collection<{ _id: string; state: string; replays: number }>(
      'dead_letters',
    );
    const ours = { originalSubject: `ingest.${dataset}` };
    const outageAt = Date.now();
    await waitFor(
      'every message dead-lettered and stored by recovery',
      async () => (await letters.countDocuments(ours)) === MESSAGES,
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
    const deadLetteredAfterMs = Date.now() - outageAt;
    expect(proxy.stats.refused.insert ?? 0).toBeGreaterThan(0);
    const [sample] = await letters.find(ours).limit(1).toArray();
    const group = await call<{ _id: string; count: number; failure: string; consumer: string }>(
      `/v1/dlq/groups/${encodeURIComponent((sample as unknown as { groupId: string }).groupId)}`,
    );
    expect(group).toMatchObject({ consumer: 'ingestion', failure: 'exhausted' });
    expect(group.count).toBeGreaterThanOrEqual(MESSAGES);
    expect(await connection.collection('records').countDocuments({ dataset })).toBe(0);

    // The database is back: recovery must find ingestion ready, probe, and replay on its own.
    proxy.setMode('pass');
    const backAt = Date.now();
    const groupTask = await waitFor(
      'an automatic replay of the group past its first checkpoint',
      async () => {
        const { replays } = await call<{ replays: Task[] }>('/v1/dlq/replays');
        return replays.find((t) => t.auto && t.selection.groupId === group._id && t.replayed > 0);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    const replayStartedAfterMs = Date.now() - backAt;
    await recovery.kill('SIGKILL');
    const killedAt = { replayed: groupTask.replayed, of: groupTask.total };
    recovery = await startRecovery();

    const done = await waitFor(
      'the replay resumed and completed',
      async () => {
        const task = await call<Task>(`/v1/dlq/replays/${groupTask._id}`);
        return task.state === 'completed' ? task : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(done.replayed).toBe(done.total);

    const rows = () => featureRows(connection, dataset);
    await waitFor('every feature row stored', async () => (await rows()).records === MESSAGES, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await waitFor(
      'every dead letter resolved',
      async () => (await letters.countDocuments({ ...ours, state: 'resolved' })) === MESSAGES,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const replays = await letters.distinct('replays', ours);
    expect({
      records: await connection.collection('records').countDocuments({ dataset }),
      featureRows: await rows(),
      replaysPerEntry: replays,
    }).toEqual({
      records: MESSAGES,
      featureRows: { rows: MESSAGES, records: MESSAGES },
      replaysPerEntry: [1],
    });
    const resolved = await call<{ counts: Record<string, number> }>(
      `/v1/dlq/groups/${encodeURIComponent(group._id)}`,
    );
    expect(resolved.counts.pending ?? 0).toBe(0);
    process.stdout.write(
      `dlq e2e figures: ${JSON.stringify({ deadLetteredAfterMs, replayStartedAfterMs, killedAt, completedAfterMs: Date.now() - backAt })}\n`,
    );
  }, 600_000);
});
