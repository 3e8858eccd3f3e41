import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo } from '@keelson/persistence';
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
import { createAdminKey, registerDataset } from './support/data-path';

// One service deployed alone: its bundle (tools/build/bundle.ts, what `nx build ingestion` makes)
// copied into an empty folder outside the repository, only its production dependencies installed
// from the registry, started against the running infrastructure. Nothing resolves from the
// repository's node_modules: the folder has no parent that holds one.

const root = join(__dirname, '../..');
const bundleOf = (app: string) => {
  execFileSync(process.execPath, ['-r', '@swc-node/register', 'tools/build/bundle.ts', app], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(root, 'dist/bundles', app);
};
const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    scripts: { start: string };
  };

describe('a service bundle', () => {
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };

  it('lists only production packages the service requires, pinned, and its own libs', () => {
    const gateway = manifestOf(bundleOf('gateway'));
    const prediction = manifestOf(bundleOf('prediction'));
    for (const manifest of [gateway, prediction])
      for (const [name, version] of Object.entries(manifest.dependencies)) {
        if (name.startsWith('@keelson/')) expect(version).toMatch(/^file:\.\/libs\/[a-z-]+$/);
        else {
          expect(rootPackage.dependencies).toHaveProperty([name]); // never a dev dependency
          expect(version).toMatch(/^\d+\.\d+\.\d+/);
        }
      }
    // The node runs ONNX models; the gateway speaks the protocol without loading the engine.
    expect(prediction.dependencies).toHaveProperty(['onnxruntime-node']);
    expect(gateway.dependencies).not.toHaveProperty(['onnxruntime-node']);
    expect(gateway.dependencies).toHaveProperty(['@grpc/grpc-js']);
    expect(Object.keys(gateway.dependencies)).not.toEqual(
      expect.arrayContaining(['jest', 'typescript', 'nx']),
    );
  }, 120_000);

  describe('of ingestion, alone in an empty folder', () => {
    let dir: string;
    let service: TsProcess | undefined;
    let connection: Connection;
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/bundle_e2e_${uniqueId()}`);
    afterAll(async () => {
      await service?.kill('SIGKILL');
      await connection?.dropDatabase();
      await connection?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('installs its production dependencies, starts, is ready and accepts records', async () => {
      dir = mkdtempSync(join(tmpdir(), 'keelson-ingestion-'));
      cpSync(bundleOf('ingestion'), dir, { recursive: true });
      execFileSync(
        'npm',
        ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
        {
          cwd: dir,
          stdio: ['ignore', 'ignore', 'inherit'],
          timeout: 300_000,
        },
      );
      expect(existsSync(join(dir, 'node_modules/mongoose'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules/jest'))).toBe(false);
      expect(manifestOf(dir).scripts.start).toBe('node apps/ingestion/src/main.js');

      const port = await freePort();
      service = runTsProcess(join(dir, 'apps/ingestion/src/main.js'), {
        MONGO_URL: mongoUrl,
        KEELSON_TRACING: 'false',
        LOG_LEVEL: 'warn',
        INGESTION_HTTP_PORT: String(port),
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForOk(`${url}/health/ready`);

      connection = await connectMongo({ url: mongoUrl });
      const key = await createAdminKey(connection);
      const dataset = `bundle_${uniqueId()}`;
      await registerDataset(url, key, dataset, {
        label: 'ok',
        key: 'id',
        fields: { id: { type: 'category' }, x: { type: 'number' }, ok: { type: 'boolean' } },
      });
      const records = Array.from({ length: 20 }, (_, i) => ({
        id: `r${i}`,
        x: i,
        ok: i % 2 === 0,
      }));
      const posted = await fetch(`${url}/v1/datasets/${dataset}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body: records.map((r) => JSON.stringify(r)).join('\n'),
      });
      expect(posted.status).toBe(200);
      await waitFor(
        'the 20 records stored',
        async () => (await connection.collection('records').countDocuments({ dataset })) === 20,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }, 420_000);
  });
});
