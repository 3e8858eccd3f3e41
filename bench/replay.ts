// `./keelson bench replay`: the compiled recovery service storing and replaying dead letters.
// BENCH_MESSAGES (20,000) dead letters of a bench stream are published to the DLQ as consumers
// publish them (DeadLetterPublisher, ~400-byte payloads); recovery stores and groups them (intake
// rate), then an operator's replay with rate 0 (unthrottled) sends them all back to their subject
// (replay rate, from the task's own start and finish times and from the wall clock). The bench
// stream must end with exactly BENCH_MESSAGES messages. Target: replay >= 2,000 messages/s.
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import {
  connectNats,
  DeadLetterPublisher,
  EventPublisher,
  openPayloadStore,
  provision,
} from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import { CATALOGUE, uuidv7 } from '@keelson/schemas';
import {
  freePort,
  runTsProcess,
  testInfra,
  testStream,
  uniqueId,
  waitFor,
  waitForOk,
} from '@keelson/testing';
import { cpuSeconds, peakRssMb } from './support/proc';

const root = join(__dirname, '..');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main() {
  const messaging = await connectNats({ url: testInfra.natsUrl, name: 'bench-replay' });
  const { stream, consumer, prefix } = testStream();
  await provision(messaging.nc, messaging.jsm, CATALOGUE);
  // The replays' destination; no consumer reads it, so it simply counts what arrives.
  await provision(messaging.nc, messaging.jsm, { streams: [stream] });

  // Only one recovery acts at a time: a running platform's would take the DLQ from the bench's.
  const lease = await (await new Kvm(messaging.js).open('recovery-lease')).get('leader');
  if (lease?.operation === 'PUT') {
    const held = JSON.parse(new TextDecoder().decode(lease.value)) as {
      holder: string;
      until: number;
    };
    if (held.until > Date.now())
      throw new Error(`recovery ${held.holder} holds the lease: stop it first (./keelson down)`);
  }

  const dbName = `bench_replay_${uniqueId()}`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/${dbName}`);
  const connection = await connectMongo({ url: mongoUrl });
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'bench',
    scopes: ['admin'],
    ratePerSecond: 10_000,
    burst: 10_000,
  });
  const port = await freePort();
  const recovery = runTsProcess(join(root, 'dist/apps/recovery/src/main.js'), {
    MONGO_URL: mongoUrl,
    RECOVERY_HTTP_PORT: String(port),
    NODE_ID: `bench-recovery-${uniqueId()}`,
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  try {
    await waitForOk(`${url}/health/ready`, { timeoutMs: 60_000 });
    const pid = recovery.child.pid!;

    say(`publishing ${MESSAGES} dead letters of ${stream.name}/${consumer.durable}`);
    const deadLetters = new DeadLetterPublisher(
      new EventPublisher(messaging.js, 'bench/worker'),
      await openPayloadStore(messaging),
    );
    const encoder = new TextEncoder();
    const publishedAt = performance.now();
    const cpuBefore = cpuSeconds(pid);
    for (let i = 0; i < MESSAGES; i += 500)
      await Promise.all(
        Array.from({ length: Math.min(500, MESSAGES - i) }, (_, j) => {
          const n = i + j;
          const event = {
            specversion: '1.0',
            id: uuidv7(),
            type: 'keelson.bench.order',
            source: 'bench/producer',
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: { n, customer: `c${n % 977}`, lines: [{ sku: `s${n % 31}`, qty: 1 + (n % 5) }] },
          };
          return deadLetters.deadLetter(
            {
              stream: stream.name,
              consumer: consumer.durable,
              subject: `${prefix}.orders`,
              streamSequence: n + 1,
              deliveryCount: 5,
              headers: undefined,
              data: encoder.encode(JSON.stringify(event)),
              storedAtMs: Date.now(),
            },
            'handler-failed',
            `bench: order ${n} could not be stored (E11000 on key ${n})`,
            'exhausted',
          );
        }),
      );
    type Group = { _id: string; stream: string; count: number };
    const group = await waitFor(
      'every dead letter stored',
      async () => {
        const { groups } = await call<{ groups: Group[] }>('GET', '/v1/dlq/groups');
        const ours = groups.filter((g) => g.stream === stream.name);
        const total = ours.reduce((sum, g) => sum + g.count, 0);
        return total === MESSAGES ? ours : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 200 },
    );
    const intakeSeconds = (performance.now() - publishedAt) / 1_000;
    const intakeCpu = cpuSeconds(pid) - cpuBefore;
    say(`stored in ${group.length} group(s) after ${intakeSeconds.toFixed(1)} s`);

    const replayCpuBefore = cpuSeconds(pid);
    const startedAt = performance.now();
    const task = await call<{ _id: string; total: number }>('POST', '/v1/dlq/replays', {
      stream: stream.name,
      consumer: consumer.durable,
      rate: 0,
      reason: 'bench: unthrottled replay',
    });
    type Task = { state: string; replayed: number; startedAt: string; finishedAt?: string };
    const done = await waitFor(
      'the replay to complete',
      async () => {
        const t = await call<Task>('GET', `/v1/dlq/replays/${task._id}`);
        if (t.state === 'failed' || t.state === 'cancelled') throw new Error(`replay ${t.state}`);
        return t.state === 'completed' ? t : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 50 },
    );
    const wallSeconds = (performance.now() - startedAt) / 1_000;
    const taskSeconds = (Date.parse(done.finishedAt!) - Date.parse(done.startedAt)) / 1_000;
    const replayCpu = cpuSeconds(pid) - replayCpuBefore;
    const info = await messaging.jsm.streams.info(stream.name);
    const figures = {
      messages: MESSAGES,
      intake: {
        seconds: +intakeSeconds.toFixed(2),
        perSecond: Math.round(MESSAGES / intakeSeconds),
        recoveryCpuSeconds: +intakeCpu.toFixed(2),
      },
      replay: {
        replayed: done.replayed,
        taskSeconds: +taskSeconds.toFixed(2),
        perSecond: Math.round(done.replayed / taskSeconds),
        wallSeconds: +wallSeconds.toFixed(2),
        perSecondWall: Math.round(done.replayed / wallSeconds),
        recoveryCpuSeconds: +replayCpu.toFixed(2),
      },
      streamMessages: info.state.messages,
      recoveryPeakRssMb: peakRssMb(pid),
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    if (info.state.messages !== MESSAGES)
      throw new Error(`the stream holds ${info.state.messages} messages, not ${MESSAGES}`);
    const verdict = figures.replay.perSecondWall >= 2_000 ? 'met' : 'MISSED';
    say(`replay ${figures.replay.perSecondWall} messages/s (target 2,000): ${verdict}`);
  } finally {
    await recovery.kill('SIGTERM');
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await messaging.jsm.streams.delete(stream.name).catch(() => undefined);
    await messaging.drain();
  }
}

main().catch((error) => {
  process.stderr.write(`[bench] ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
