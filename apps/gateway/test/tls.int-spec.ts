import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createInferenceGrpcClient, type InferenceGrpcClient } from '@keelson/inference';
import { connectNats, provision, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import { CATALOGUE } from '@keelson/schemas';
import {
  churnInputs,
  publishTestModel,
  runPredictionNode,
  runTsProcess,
  testInfra,
  testNodeHeaders,
  uniqueId,
  waitFor,
  type TsProcess,
} from '@keelson/testing';
import { Kvm } from '@nats-io/kv';
import type { Connection } from 'mongoose';

const root = join(__dirname, '../../..');

/** A private CA and a certificate it signed for 127.0.0.1 and localhost, made with openssl. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=keelson-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'server.pem',
    '-extfile',
    'san.ext',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/** An HTTPS call trusting only `ca`; resolves with the status and body. */
function httpsCall(
  url: string,
  ca: Buffer,
  method: string,
  headers: Record<string, string>,
  body?: string,
) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * TLS on every listener: a prediction node and gateways serving REST and gRPC over TLS with a
 * certificate from a private CA, and gateways that trust it through NODE_EXTRA_CA_CERTS, the
 * standard Node way, calling the node over HTTPS and over gRPC with TLS. Real processes, real
 * NATS and FerretDB.
 */
describe('TLS on the prediction node and the gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-tls-'));
  const id = uniqueId();
  const prefix = `tls${id}_`;
  const model = `m_${id}`;
  const processes: TsProcess[] = [];
  const clients: InferenceGrpcClient[] = [];
  let files: ReturnType<typeof makeCertificates>;
  let ca: Buffer;
  let messaging: Messaging;
  let connection: Connection;
  let key: string;
  let node: { http: string; grpc: string };

  beforeAll(async () => {
    files = makeCertificates(dir);
    ca = readFileSync(files.ca);
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'tls-test' });
    await provision(messaging.nc, messaging.jsm, CATALOGUE);
    await publishTestModel(messaging.js, model, { production: 1 });
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/tls_test_${id}`);
    connection = await connectMongo({ url: mongoUrl });
    ({ key } = await new ApiKeyRepository(connection).create({
      name: 'tls-test',
      scopes: ['predict'],
      ratePerSecond: 1_000,
      burst: 1_000,
    }));
    const tls = { KEELSON_TLS_CERT_FILE: files.cert, KEELSON_TLS_KEY_FILE: files.key };
    processes.push(runPredictionNode(`${prefix}node`, [model], tls));
    const nodes = await new Kvm(messaging.js).open('nodes');
    node = await waitFor(
      'the TLS node to serve its model',
      async () => {
        const entry = await nodes.get(`${prefix}node`);
        if (entry?.operation !== 'PUT') return undefined;
        const value = entry.json<{
          addresses: { http: string; grpc: string };
          models: Array<{ ready: boolean }>;
        }>();
        return value.models.some((m) => m.ready) ? value.addresses : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const gateway = (transport: string, extra: Record<string, string> = {}) =>
      runTsProcess(join(root, 'apps/gateway/src/main.ts'), {
        NODE_ID: `${prefix}gateway_${transport}`,
        MONGO_URL: mongoUrl,
        GATEWAY_HTTP_PORT: '0',
        GATEWAY_GRPC_PORT: '0',
        GATEWAY_NODE_PREFIX: prefix,
        GATEWAY_NODE_TRANSPORT: transport,
        NODE_EXTRA_CA_CERTS: files.ca,
        KEELSON_TRACING: 'false',
        LOG_LEVEL: 'info',
        ...extra,
      });
    processes.push(gateway('http', tls), gateway('grpc'));
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await (await new Kvm(messaging.js).open('models')).purge(model).catch(() => undefined);
    await messaging?.drain();
    await connection?.dropDatabase();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Where a gateway process listens, from its "gateway ready" log line. */
  const readyGateway = (p: TsProcess) =>
    waitFor(
      'the gateway to start',
      () => {
        const line = p
          .output()
          .split('\n')
          .find((l) => l.includes('"gateway ready"'));
        return line ? (JSON.parse(line) as { url: string; grpc: string }) : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );

  it('a node serves REST and gRPC over TLS only, and says so in its address', async () => {
    expect(node.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const meta = await httpsCall(`${node.http}/v2/models/${model}`, ca, 'GET', testNodeHeaders());
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.body)).toMatchObject({ name: model });
    // Plain HTTP to the TLS port gets no answer.
    await expect(fetch(`${node.http.replace('https:', 'http:')}/v2/health/live`)).rejects.toThrow();

    const tlsClient = createInferenceGrpcClient(node.grpc, {
      credentials: credentials.createSsl(ca),
      metadata: testNodeHeaders(),
    });
    const plainClient = createInferenceGrpcClient(node.grpc);
    clients.push(tlsClient, plainClient);
    expect((await tlsClient.modelMetadata(model)).name).toBe(model);
    await expect(plainClient.serverLive({ deadlineMs: Date.now() + 3_000 })).rejects.toThrow();
  });

  it('gateways call the TLS node over HTTPS and gRPC with TLS, and serve TLS themselves', async () => {
    const [overHttps, overGrpc] = await Promise.all(processes.slice(1).map(readyGateway));
    const body = JSON.stringify({ inputs: churnInputs(2) });
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // This gateway serves TLS on its REST and gRPC edges and calls the node over HTTPS.
    expect(overHttps.url).toMatch(/^https:/);
    const viaHttps = await waitFor('an answer through the TLS gateway', async () => {
      const r = await httpsCall(
        `${overHttps.url}/v2/models/${model}/infer`,
        ca,
        'POST',
        auth,
        body,
      );
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(viaHttps.body)).toMatchObject({ model_name: model, model_version: '1' });
    const edge = createInferenceGrpcClient(overHttps.grpc, {
      credentials: credentials.createSsl(ca),
      metadata: { authorization: `Bearer ${key}` },
    });
    clients.push(edge);
    expect((await edge.modelMetadata(model)).name).toBe(model);

    // This one listens in plain HTTP and calls the node's gRPC port over TLS.
    expect(overGrpc.url).toMatch(/^http:/);
    const viaGrpc = await waitFor('an answer through the gRPC gateway', async () => {
      const r = await fetch(`${overGrpc.url}/v2/models/${model}/infer`, {
        method: 'POST',
        headers: auth,
        body,
      });
      return r.status === 200 ? ((await r.json()) as { model_name: string }) : undefined;
    });
    expect(viaGrpc.model_name).toBe(model);
  }, 120_000);
});
