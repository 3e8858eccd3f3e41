import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakingChanges, checkDatasetSchema, compileRecordValidator } from '@keelson/datasets';
import { ApiKeyRepository, connectMongo, DatasetRepository } from '@keelson/persistence';
import {
  freePort,
  runTsProcess,
  testInfra,
  testNodeToken,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { servingPool, type ServingPool } from './support/serving-pool';

const root = join(__dirname, '../..');
const SERVICES = ['ingestion', 'training', 'monitoring', 'recovery'] as const;
/** Examples per operation and phase: enough to find the crashes found so far, quick on 2 cores. */
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 25);

/**
 * Runs Schemathesis against a service's own document; fails the test with its report. `config`:
 * a schemathesis.toml for this run (a path parameter bound to a real dataset's name, say).
 */
async function fuzz(name: string, url: string, key?: string, config?: string): Promise<void> {
  const { code, output } = await schemathesis([
    ...(config ? ['--config-file', config] : []),
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

  /**
   * A user's dataset with records, registered before the fuzzer runs; half the requests whose
   * path names a dataset name this one, so the fuzzer's schema changes and records reach it.
   */
  const real = `fuzz_real_${uniqueId().replace(/-/g, '_')}`;
  const realSchema = {
    label: 'default',
    key: 'id',
    fields: {
      id: { type: 'category' },
      age: { type: 'integer', min: 18, max: 120 },
      income: { type: 'number', required: false, min: 0 },
      default: { type: 'boolean' },
    },
  };
  const seeded = Array.from({ length: 20 }, (_, i) => ({
    id: `r${i}`,
    age: 20 + i,
    income: 1_000 * i,
    default: i % 3 === 0,
  }));
  let before: Array<{ _id: string; values: unknown }> = [];
  const storedRecords = () =>
    connection
      .collection<{ _id: string; values: unknown }>('records')
      .find({ dataset: real }, { projection: { values: 1 } })
      .toArray();

  it('registers a real dataset and its records for the fuzzer to reach', async () => {
    const ingestion = urls.get('ingestion')!;
    const call = (path: string, method: string, body: unknown) =>
      fetch(`${ingestion}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call(`/v1/datasets/${real}`, 'PUT', realSchema)).status).toBe(201);
    const posted = await call(`/v1/datasets/${real}/records`, 'POST', seeded);
    expect(posted.status).toBe(200);
    before = await waitFor('the seeded records to be stored', async () => {
      const stored = await storedRecords();
      return stored.length === seeded.length ? stored : undefined;
    });
  });

  it.each(SERVICES)(
    '%s: no server error, every status documented, 405 for undeclared methods',
    (service) => {
      if (service !== 'ingestion') return fuzz(service, urls.get(service)!, key);
      const config = join(mkdtempSync(join(tmpdir(), 'keelson-fuzz-')), 'schemathesis.toml');
      writeFileSync(
        config,
        `[dictionaries.datasets]\nvalues = ["${real}"]\n\n` +
          `[parameters]\n"path.name" = { dictionary = "datasets", probability = 0.5 }\n`,
      );
      return fuzz(service, urls.get(service)!, key, config);
    },
    300_000,
  );

  it("left the real dataset as strict as a user's requests would have", async () => {
    // The fuzzer reached it: its records endpoint judged records sent to it.
    const metrics = await (await fetch(`${urls.get('ingestion')}/metrics`)).text();
    const judged = [...metrics.matchAll(/^keelson_ingested_records_total\{([^}]*)\} (\d+)/gm)]
      .filter(([, labels]) => labels.includes(`dataset="${real}"`))
      .reduce((sum, [, , n]) => sum + Number(n), 0);
    expect(judged).toBeGreaterThan(seeded.length);
    // Every version of its schema is one a user could have registered, each compatible with the
    // one before.
    const versions = (await new DatasetRepository(connection).history(real)).reverse();
    const bodies = versions.map(({ name: _n, version: _v, ...body }) => body);
    for (const body of bodies) expect(checkDatasetSchema(body).ok).toBe(true);
    for (let i = 1; i < bodies.length; i++)
      expect(breakingChanges(bodies[i - 1], bodies[i])).toEqual([]);
    // The records stored before are all there, unchanged, and every record stored is valid
    // under the schema now in force.
    const after = await storedRecords();
    const byId = new Map(after.map((doc) => [doc._id, doc.values]));
    for (const doc of before) expect(byId.get(doc._id)).toEqual(doc.values);
    const validate = compileRecordValidator(versions.at(-1)!);
    const invalid = after.filter((doc) => !validate(doc.values).ok);
    expect(invalid).toEqual([]);
    process.stdout.write(
      `fuzz real dataset: ${judged} records judged, ${versions.length} schema versions, ${after.length} records stored\n`,
    );
  });
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
