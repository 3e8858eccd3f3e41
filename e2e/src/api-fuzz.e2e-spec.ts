import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import {
  freePort,
  runTsProcess,
  testInfra,
  testNodeToken,
  uniqueId,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { servingPool, type ServingPool } from './support/serving-pool';

const root = join(__dirname, '../..');
const SERVICES = ['ingestion', 'training', 'monitoring', 'recovery'] as const;
/** Examples per operation and phase: enough to find the crashes found so far, quick on 2 cores. */
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 25);

/** Runs Schemathesis against a service's own document; fails the test with its report. */
async function fuzz(name: string, url: string, key?: string): Promise<void> {
  const { code, output } = await schemathesis([
    'run',
    `${url}/openapi.json`,
    '--url',
    url,
    ...(key ? ['-H', `Authorization: Bearer ${key}`] : []),
    '--checks',
    'not_a_server_error,status_code_conformance,unsupported_method',
    '--max-examples',
    String(EXAMPLES),
    '--seed',
    '20261202',
    '--workers',
    '1',
  ]);
  const summary = output.match(/Test cases:\s*\n\s*(.*)/)?.[1] ?? '(no summary)';
  process.stdout.write(`fuzz ${name}: ${summary}\n`);
  if (code !== 0) throw new Error(`Schemathesis found failures in ${name}:\n${output}`);
  expect(output).toMatch(/\d+ generated/);
}

/** Runs Schemathesis; resolves with its exit code and output. */
function schemathesis(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const st = spawnSync(join(root, 'tools/test/ensure-schemathesis.sh'), { encoding: 'utf8' });
    if (st.status !== 0) {
      reject(new Error(`Schemathesis could not be set up:\n${st.stderr}`));
      return;
    }
    const child = spawn(st.stdout.trim(), args, { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * Every HTTP API fuzzed from the OpenAPI document it serves, with a property-based fuzzer
 * (Schemathesis: examples, coverage, random and stateful sequences), against the compiled services
 * on the real NATS and FerretDB, with an admin key. The bar: no 5xx, no status a route does not
 * document, 405 for undeclared methods.
 */
describe('every HTTP API under a property-based fuzzer', () => {
  const processes: TsProcess[] = [];
  const urls = new Map<string, string>();
  let connection: Connection;
  let key: string;

  beforeAll(async () => {
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/fuzz_e2e_${uniqueId()}`);
    connection = await connectMongo({ url: mongoUrl });
    ({ key } = await new ApiKeyRepository(connection).create({
      name: 'fuzzer',
      scopes: ['admin'],
      ratePerSecond: 100_000,
      burst: 100_000,
    }));
    for (const service of SERVICES) urls.set(service, `http://127.0.0.1:${await freePort()}`);
    for (const service of SERVICES)
      processes.push(
        runTsProcess(join(root, `dist/apps/${service}/src/main.js`), {
          MONGO_URL: mongoUrl,
          NODE_ID: `fuzz-${service}-${uniqueId()}`,
          [`${service.toUpperCase()}_HTTP_PORT`]: new URL(urls.get(service)!).port,
          // The console's dead-letter routes call recovery's API: the fuzzed recovery's.
          ...(service === 'monitoring' && { MONITORING_RECOVERY_URL: urls.get('recovery')! }),
          KEELSON_TRACING: 'false',
          LOG_LEVEL: 'error',
        }),
      );
    await Promise.all([...urls.values()].map((u) => waitForOk(`${u}/health/ready`)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await connection?.dropDatabase();
    await connection?.close();
  });

  it.each(SERVICES)(
    '%s: no server error, every status documented, 405 for undeclared methods',
    (service) => fuzz(service, urls.get(service)!, key),
    300_000,
  );
});

/** The `/v2` REST of a prediction node and of the gateway, with a real model loaded. */
describe('the inference REST under a property-based fuzzer', () => {
  let pool: ServingPool;
  beforeAll(async () => {
    pool = await servingPool({ nodes: 1 });
  }, 180_000);
  afterAll(() => pool?.close());

  it(
    'prediction node: no server error, every status documented, 405 for undeclared methods',
    () => fuzz('prediction', pool.nodes[0].http, testNodeToken()),
    300_000,
  );

  it(
    'gateway: no server error, every status documented, 405 for undeclared methods',
    () => fuzz('gateway', pool.gatewayUrl, pool.key),
    300_000,
  );
});
