import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectNats, EventPublisher, type Messaging } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import { IngestRecords } from '@keelson/schemas';
import {
  churnInputs,
  freePort,
  runTsProcess,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { createAdminKey, registerDataset } from './support/data-path';
import { servingPool, type ServingPool } from './support/serving-pool';

// The real services export their spans to Jaeger (`./keelson infra up` runs it); a client that
// sends a W3C traceparent must find its whole request in one trace there: a producer's records
// through ingestion, preprocessing and the training they cause, an inference through the gateway
// and the node. Stream messages gathered into one batch are linked to it, and it to each of them.

const root = join(__dirname, '../..');
const jaeger = process.env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
const TRACING = {
  KEELSON_TRACING: 'true',
  OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
};

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: Array<{ refType: string; spanID: string; traceID: string }>;
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const clientSpan = randomBytes(8).toString('hex');
  return { traceId, clientSpan, header: `00-${traceId}-${clientSpan}-01` };
};

/** Waits until Jaeger holds the trace with spans of every one of `services` and `operations`. */
async function traceOf(traceId: string, services: string[], operations: string[] = []) {
  return waitFor(
    `trace ${traceId} with spans of ${[...services, ...operations].join(', ')} in Jaeger`,
    async () => {
      const response = await fetch(`${jaeger}/api/traces/${traceId}`).catch(() => undefined);
      if (!response?.ok) return undefined;
      const trace = ((await response.json()) as { data?: JaegerTrace[] }).data?.[0];
      const seen = new Set(Object.values(trace?.processes ?? {}).map((p) => p.serviceName));
      const names = new Set(trace?.spans.map((s) => s.operationName));
      return services.every((s) => seen.has(s)) && operations.every((o) => names.has(o))
        ? trace
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** Every span of `trace` descends from the client's span: no service broke the chain. */
function expectOneTree(trace: JaegerTrace, traceId: string, clientSpan: string) {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const roots = trace.spans.filter(
    (s) => !s.references.some((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID)),
  );
  // The client's own span is not in Jaeger: the roots are the first server spans, children of it.
  expect(roots.length).toBeGreaterThan(0);
  // (A link to another trace, FOLLOWS_FROM, is not a parent.)
  for (const span of roots)
    expect(span.references.filter((r) => r.refType === 'CHILD_OF')).toEqual([
      expect.objectContaining({ refType: 'CHILD_OF', traceID: traceId, spanID: clientSpan }),
    ]);
}

describe('one client request is one trace across the real services in Jaeger', () => {
  beforeAll(async () => {
    const up = await fetch(jaeger).then(
      (r) => r.ok,
      () => false,
    );
    if (!up)
      throw new Error(`Jaeger is not answering at ${jaeger}; start it with ./keelson infra up`);
  });

  describe('producers sending records', () => {
    const processes: TsProcess[] = [];
    let connection: Connection;
    let url: string;
    let key: string;
    let messaging: Messaging;
    const id = uniqueId();
    const posted = `traces_${id}`; // trained by a policy every 30 rows
    const streamed = `traces_stream_${id}`;
    const schema = {
      label: 'ok',
      key: 'id',
      fields: { id: { type: 'category' }, x: { type: 'number' }, ok: { type: 'boolean' } },
    };

    beforeAll(async () => {
      const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/traces_e2e_${id}`);
      const env = { ...TRACING, MONGO_URL: mongoUrl, LOG_LEVEL: 'warn' };
      const ports = [await freePort(), await freePort(), await freePort()];
      const run = (app: string, extra: Record<string, string>) => {
        const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), { ...env, ...extra });
        processes.push(p);
      };
      run('ingestion', {
        INGESTION_HTTP_PORT: String(ports[0]),
        // Three one-record messages make one batch, however far apart they arrive.
        INGESTION_BATCH_RECORDS: '3',
        INGESTION_BATCH_DELAY: '60s',
      });
      run('preprocessing', { PREPROCESSING_HTTP_PORT: String(ports[1]) });
      run('training', {
        TRAINING_HTTP_PORT: String(ports[2]),
        TRAINING_POLICIES: `${posted}_model:${posted}:logistic:30`,
        // Only the records' own feature events may request the job, not a sweep that runs first.
        TRAINING_POLICY_SWEEP: '10m',
      });
      url = `http://127.0.0.1:${ports[0]}`;
      for (const port of ports)
        await waitForOk(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 90_000 });
      connection = await connectMongo({ url: mongoUrl });
      key = await createAdminKey(connection);
      await registerDataset(url, key, posted, schema);
      await registerDataset(url, key, streamed, schema);
      messaging = await connectNats({ url: testInfra.natsUrl, name: 'traces-e2e' });
    }, 120_000);

    afterAll(async () => {
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
      await messaging?.drain();
      await connection?.dropDatabase();
      await connection?.close();
    });

    it('one posting over HTTP is one trace across ingestion, preprocessing and training', async () => {
      const { traceId, clientSpan, header } = newTraceparent();
      const response = await fetch(`${url}/v1/datasets/${posted}/records`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/x-ndjson',
          traceparent: header,
        },
        body: Array.from({ length: 30 }, (_, i) =>
          JSON.stringify({ id: `t${i}`, x: i, ok: i % 2 === 0 }),
        ).join('\n'),
      });
      expect(response.status).toBe(200);
      // The 30 rows cross the policy's threshold: training counts them and reads its window for
      // the job they requested, all in the producer's trace.
      const trace = await traceOf(
        traceId,
        ['ingestion', 'preprocessing', 'training'],
        ['process features.' + posted, 'send training.requested', 'training read window'],
      );
      expectOneTree(trace, traceId, clientSpan);
    }, 180_000);

    it('one-record stream messages stored as one batch: each trace links to it, it to each', async () => {
      const producers = [0, 1, 2].map(() => newTraceparent());
      const publisher = new EventPublisher(messaging.js, 'traces-e2e');
      await Promise.all(
        producers.map(({ header }, i) =>
          publisher.publish(
            IngestRecords,
            { records: [{ id: `s${i}`, x: i, ok: i % 2 === 0 }] },
            { subject: streamed, headers: { traceparent: header } },
          ),
        ),
      );
      // Each producer's trace: ingestion's span for its message, linked to the batch's span.
      const batchRefs = await Promise.all(
        producers.map(async ({ traceId, clientSpan }) => {
          const trace = await traceOf(traceId, ['ingestion'], [`process ingest.${streamed}`]);
          expectOneTree(trace, traceId, clientSpan);
          const message = trace.spans.find(
            (s) => s.operationName === `process ingest.${streamed}`,
          )!;
          const link = message.references.find((r) => r.refType === 'FOLLOWS_FROM');
          expect(link).toBeDefined();
          return { link: link!, message };
        }),
      );
      const [{ link }] = batchRefs;
      expect(new Set(batchRefs.map((b) => `${b.link.traceID}/${b.link.spanID}`)).size).toBe(1);
      expect(producers.map((p) => p.traceId)).not.toContain(link.traceID);

      // The batch's trace: the stored records go on to preprocessing in it, and its span links
      // back to every producer's message.
      const batchTrace = await traceOf(link.traceID, ['ingestion', 'preprocessing']);
      const batch = batchTrace.spans.find((s) => s.spanID === link.spanID)!;
      expect(batch.operationName).toBe(`ingest batch ${streamed}`);
      expect(
        batch.references
          .filter((r) => r.refType === 'FOLLOWS_FROM')
          .map((r) => `${r.traceID}/${r.spanID}`)
          .sort(),
      ).toEqual(
        batchRefs.map(({ message }, i) => `${producers[i].traceId}/${message.spanID}`).sort(),
      );
    }, 180_000);
  });

  describe('a client asking for an inference', () => {
    let pool: ServingPool;
    afterAll(() => pool?.close());

    it('is one trace across the gateway and the node', async () => {
      pool = await servingPool({ nodes: 1, env: TRACING });
      const { traceId, clientSpan, header } = newTraceparent();
      const response = await fetch(`${pool.gatewayUrl}/v2/models/${pool.model}/infer`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${pool.key}`,
          'content-type': 'application/json',
          traceparent: header,
        },
        body: JSON.stringify({ inputs: churnInputs(1) }),
      });
      expect(response.status).toBe(200);
      const trace = await traceOf(traceId, ['gateway', 'prediction']);
      expectOneTree(trace, traceId, clientSpan);
    }, 180_000);
  });
});
