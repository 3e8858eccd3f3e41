import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectMongo } from '@keelson/persistence';
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
// through ingestion and preprocessing, an inference through the gateway and the node.

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

/** Waits until Jaeger holds the trace with spans of every one of `services`. */
async function traceOf(traceId: string, services: string[]) {
  return waitFor(
    `trace ${traceId} with spans of ${services.join(', ')} in Jaeger`,
    async () => {
      const response = await fetch(`${jaeger}/api/traces/${traceId}`).catch(() => undefined);
      if (!response?.ok) return undefined;
      const trace = ((await response.json()) as { data?: JaegerTrace[] }).data?.[0];
      const seen = new Set(Object.values(trace?.processes ?? {}).map((p) => p.serviceName));
      return services.every((s) => seen.has(s)) ? trace : undefined;
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
  for (const span of roots)
    expect(span.references).toEqual([
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

  describe('a producer posting records', () => {
    const processes: TsProcess[] = [];
    let connection: Connection;
    afterAll(async () => {
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
      await connection?.dropDatabase();
      await connection?.close();
    });

    it('is one trace across ingestion and preprocessing', async () => {
      const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/traces_e2e_${uniqueId()}`);
      const env = { ...TRACING, MONGO_URL: mongoUrl, LOG_LEVEL: 'warn' };
      const [ingestionPort, preprocessingPort] = [await freePort(), await freePort()];
      const run = (app: string, extra: Record<string, string>) => {
        const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), { ...env, ...extra });
        processes.push(p);
      };
      run('ingestion', { INGESTION_HTTP_PORT: String(ingestionPort) });
      run('preprocessing', { PREPROCESSING_HTTP_PORT: String(preprocessingPort) });
      const url = `http://127.0.0.1:${ingestionPort}`;
      await waitForOk(`${url}/health/ready`, { timeoutMs: 90_000 });
      await waitForOk(`http://127.0.0.1:${preprocessingPort}/health/ready`, { timeoutMs: 90_000 });
      connection = await connectMongo({ url: mongoUrl });
      const key = await createAdminKey(connection);
      const dataset = `traces_${uniqueId()}`;
      await registerDataset(url, key, dataset, {
        label: 'ok',
        key: 'id',
        fields: { id: { type: 'category' }, x: { type: 'number' }, ok: { type: 'boolean' } },
      });

      const { traceId, clientSpan, header } = newTraceparent();
      const posted = await fetch(`${url}/v1/datasets/${dataset}/records`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/x-ndjson',
          traceparent: header,
        },
        body: [1, 2, 3]
          .map((i) => JSON.stringify({ id: `t${i}`, x: i, ok: i % 2 === 0 }))
          .join('\n'),
      });
      expect(posted.status).toBe(200);
      const trace = await traceOf(traceId, ['ingestion', 'preprocessing']);
      expectOneTree(trace, traceId, clientSpan);
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
