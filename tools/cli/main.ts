// `./keelson nodes|dlq|keys|models|produce|train ...`: the operator CLI (tools/cli/program.ts).
// Routing and DLQ changes need a reason and are audited under the key used (KEELSON_API_KEY, or
// the development key `./keelson up` writes).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Progress } from '../demo/progress';
import type { TaskRow } from '../ops/dlq-command';
import { ApiCallError, serviceClient } from '../ops/service-client';
import { runCli, type Call, type CliIo } from './program';

const root = join(__dirname, '../..');
const line = (stream: NodeJS.WriteStream) => (text: string) =>
  stream.write(text.endsWith('\n') ? text : `${text}\n`);

/** Follows a task until it ends, with a progress bar; Ctrl-C stops following, not the task. */
async function follow(call: Call, id: string): Promise<TaskRow> {
  let task = await call<TaskRow>('GET', `/v1/dlq/replays/${id}`);
  const progress = new Progress(task.total, process.stderr, Date.now, 'messages');
  let shown = 0;
  let stop = false;
  const interrupt = () => (stop = true);
  process.once('SIGINT', interrupt);
  try {
    for (;;) {
      progress.advance(task.replayed - shown, task.replayed - shown);
      shown = task.replayed;
      if (task.state !== 'running' || stop) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
      task = await call<TaskRow>('GET', `/v1/dlq/replays/${id}`);
    }
  } finally {
    process.off('SIGINT', interrupt);
    // Also when a call fails: the bar's timer must not outlive the follow.
    if (task.state !== 'completed') progress.stop();
  }
  if (task.state === 'completed') progress.finish();
  if (stop && task.state === 'running')
    process.stderr.write(`still running; follow it with ./keelson dlq tasks ${id}\n`);
  return task;
}

/**
 * The producer and the training client as the demo runs them: their own process, output and exit
 * code (a NATS connection still retrying after a failure must not keep the CLI alive).
 */
function script(file: string) {
  return (options: Record<string, string | undefined>) =>
    new Promise<void>((resolve, reject) => {
      const argv = Object.entries(options).flatMap(([name, value]) =>
        value === undefined
          ? []
          : [`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value],
      );
      const child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', join(root, file), ...argv],
        {
          stdio: 'inherit',
        },
      );
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code !== 0) process.exitCode = 1;
        resolve();
      });
    });
}

const io: CliIo = {
  client: (service) => serviceClient(service),
  out: line(process.stdout),
  err: line(process.stderr),
  follow,
  produce: script('tools/demo/produce.ts'),
  train: script('tools/demo/train.ts'),
};

runCli(process.argv.slice(2), io, (error) => error instanceof ApiCallError).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
