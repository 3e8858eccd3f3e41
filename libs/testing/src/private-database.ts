import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for';

/** A server binary that `./keelson infra up` built into its cache, or one on PATH. */
export function infraBinary(name: string, override?: string): string {
  const cache =
    process.env.KEELSON_BIN_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'keelson/bin');
  const candidates = [
    override,
    join(cache, name),
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, name)),
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error(`${name} not found: run ./keelson infra up first`);
  return found;
}

/**
 * The ferretdb binary that `./keelson infra up` built or found: the patched build first, under the
 * name tools/infra/infra.sh gives it (docs/persistence.md), else a plain `ferretdb`.
 */
export const ferretDbBinary = () => {
  const patched = 'ferretdb-v1.24.2-keelson1';
  try {
    return infraBinary(patched, process.env.KEELSON_FERRETDB_BIN);
  } catch {
    return infraBinary('ferretdb');
  }
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * A FerretDB of a test's own, which the test can stop and start again on the same data and port:
 * "the database went away" without disturbing the shared server.
 */
export async function privateDatabase() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keelson-ferretdb-'));
  let child: ChildProcess | undefined;
  const db = {
    port,
    url: (name: string) => `mongodb://127.0.0.1:${port}/${name}`,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawn(
        ferretDbBinary(),
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--listen-addr=127.0.0.1:${port}`,
          `--state-dir=${dir}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=error',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(`FerretDB on ${port}`, () => answers(port), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await db.start();
  return db;
}
