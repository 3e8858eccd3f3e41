import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, infraBinary } from './private-database';
import { waitFor } from './wait-for';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * A NATS server with JetStream of a test's own, which the test can stop (SIGKILL), pause
 * (SIGSTOP) and start again on the same port and store: "NATS went away" without disturbing the
 * shared server or the other suites.
 */
export async function privateNats() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keelson-nats-'));
  let child: ChildProcess | undefined;
  const server = {
    port,
    url: `nats://127.0.0.1:${port}`,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawn(
        infraBinary('nats-server', process.env.KEELSON_NATS_BIN),
        ['--jetstream', '--store_dir', dir, '--port', String(port), '--addr', '127.0.0.1'],
        { stdio: 'ignore' },
      );
      await waitFor(`NATS on ${port}`, () => listening(port), {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

export interface ClusterServer {
  name: string;
  port: number;
  url: string;
  /** Starts the server again on its ports and store (no-op while it runs). */
  start(): Promise<void>;
  /** SIGKILL: the server dies as a crashed machine would, its store kept. */
  kill(): Promise<void>;
  /** Resolves once the server answers /healthz: connected to the cluster, its JetStream current. */
  healthy(timeoutMs?: number): Promise<void>;
}

/**
 * A JetStream cluster of a test's own (three servers on loopback, each its own store), for tests
 * that kill servers under load: streams created with 3 replicas survive the loss of one.
 */
export async function privateNatsCluster(size = 3) {
  const name = `keelson-test-${Math.random().toString(36).slice(2, 8)}`;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      cluster: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.cluster}`).join(',');
  const servers: ClusterServer[] = ports.map((p, i) => {
    const serverName = `${name}-${i + 1}`;
    const dir = mkdtempSync(join(tmpdir(), `${serverName}-`));
    let child: ChildProcess | undefined;
    const running = () => !!child && child.exitCode === null && child.signalCode === null;
    const server: ClusterServer = {
      name: serverName,
      port: p.client,
      url: `nats://127.0.0.1:${p.client}`,
      async start() {
        if (running()) return;
        child = spawn(
          infraBinary('nats-server', process.env.KEELSON_NATS_BIN),
          [
            ...['--jetstream', '--store_dir', dir, '--server_name', serverName],
            ...[
              '--addr',
              '127.0.0.1',
              '--port',
              String(p.client),
              '--http_port',
              String(p.monitor),
            ],
            ...['--cluster_name', name, '--cluster', `nats://127.0.0.1:${p.cluster}`],
            ...['--routes', routes],
          ],
          { stdio: 'ignore' },
        );
        await waitFor(`NATS ${serverName} on ${p.client}`, () => listening(p.client), {
          timeoutMs: 30_000,
          intervalMs: 50,
        });
      },
      async kill() {
        const process = child;
        if (!process || !running()) return;
        const exited = new Promise((resolve) => process.once('exit', resolve));
        process.kill('SIGKILL');
        await exited;
      },
      async healthy(timeoutMs = 60_000) {
        await waitFor(
          `NATS ${serverName} healthy`,
          async () =>
            (await fetch(`http://127.0.0.1:${p.monitor}/healthz`).catch(() => undefined))
              ?.status === 200,
          { timeoutMs, intervalMs: 100 },
        );
      },
    };
    return server;
  });
  await Promise.all(servers.map((s) => s.start()));
  await Promise.all(servers.map((s) => s.healthy()));
  return {
    servers,
    /** Every server, comma-separated, as NATS_URL takes them. */
    url: servers.map((s) => s.url).join(','),
    byName: (serverName: string) => servers.find((s) => s.name === serverName),
    async close() {
      await Promise.all(servers.map((s) => s.kill()));
    },
  };
}
