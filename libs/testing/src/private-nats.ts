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
