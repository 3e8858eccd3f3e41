// `./keelson nodes ...`, `./keelson dlq ...` (recovery's API) and `./keelson keys ...`
// (ingestion's) for operators at a terminal. Routing and DLQ changes need a reason and are audited
// under the key used (KEELSON_API_KEY, or the development key `./keelson up` writes).
import { Progress } from '../demo/progress';
import { UsageError } from '../demo/cli-args';
import {
  DLQ_USAGE,
  formatGroups,
  formatTasks,
  parseDlqArgs,
  type GroupRow,
  type TaskRow,
} from './dlq-command';
import { formatKeys, KEYS_USAGE, parseKeysArgs, type KeyRow } from './keys-command';
import { formatNodes, NODES_USAGE, parseNodesArgs, type NodesView } from './nodes-command';
import { ApiCallError, serviceClient } from './service-client';

type Call = ReturnType<typeof serviceClient>;
const print = (text: string) => process.stdout.write(`${text}\n`);
const json = (value: unknown) => print(JSON.stringify(value, null, 2));

async function nodes(argv: string[], call: Call) {
  const command = parseNodesArgs(argv);
  if (command.action === 'list')
    return print(formatNodes(await call<NodesView>('GET', '/v1/nodes')));
  const { action, nodeId, ...body } = command;
  const result = await call<{ state: string; weight: number }>(
    'POST',
    `/v1/nodes/${encodeURIComponent(nodeId)}/${action}`,
    body,
  );
  print(`${nodeId}: ${result.state}, weight ${result.weight}`);
}

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
  }
  if (task.state === 'completed') progress.finish();
  else process.stderr.write('\n');
  if (stop && task.state === 'running')
    print(`still running; follow it with ./keelson dlq tasks ${id}`);
  return task;
}

async function dlq(argv: string[], call: Call) {
  const command = parseDlqArgs(argv);
  switch (command.action) {
    case 'groups': {
      const { groups } = await call<{ groups: GroupRow[] }>('GET', '/v1/dlq/groups');
      return print(formatGroups(groups));
    }
    case 'show': {
      const id = encodeURIComponent(command.id);
      const group = await call<GroupRow>('GET', `/v1/dlq/groups/${id}`).catch((e: Error) => {
        if (e.message.startsWith('404')) return undefined;
        throw e;
      });
      if (!group) return json(await call('GET', `/v1/dlq/entries/${id}`));
      print(formatGroups([group]));
      const { entries } = await call<{ entries: Array<Record<string, unknown>> }>(
        'GET',
        `/v1/dlq/entries?group=${id}&limit=10`,
      );
      print(`\nlatest entries (./keelson dlq show <entry> for the payload):`);
      for (const e of entries)
        print(`  ${e._id}  ${e.state}  replays ${e.replays}  ${e.originalSubject}  ${e.failedAt}`);
      return;
    }
    case 'replay': {
      const result = await call<TaskRow & { count?: number }>(
        'POST',
        '/v1/dlq/replays',
        command.body,
      );
      if (command.dryRun) return print(`${result.count} message(s) would be replayed`);
      print(`replay ${result._id}: ${result.total} message(s)`);
      if (!command.follow) return;
      const done = await follow(call, result._id);
      if (done.state !== 'running')
        print(`replay ${done._id}: ${done.state}, ${done.replayed}/${done.total}`);
      if (done.state === 'failed') process.exitCode = 1;
      return;
    }
    case 'tasks': {
      if (!command.id) {
        const { replays } = await call<{ replays: TaskRow[] }>('GET', '/v1/dlq/replays');
        return print(formatTasks(replays));
      }
      const task = await follow(call, command.id);
      return print(formatTasks([task]));
    }
    case 'cancel':
      return print(
        formatTasks([
          await call<TaskRow>('POST', `/v1/dlq/replays/${encodeURIComponent(command.id)}/cancel`, {
            ...(command.reason && { reason: command.reason }),
          }),
        ]),
      );
    case 'archive': {
      const { archived } = await call<{ archived: number }>(
        'POST',
        '/v1/dlq/archive',
        command.body,
      );
      return print(`${archived} message(s) archived`);
    }
  }
}

async function keys(argv: string[], call: Call) {
  const command = parseKeysArgs(argv);
  if (command.action === 'list')
    return print(formatKeys((await call<{ keys: KeyRow[] }>('GET', '/v1/keys')).keys));
  if (command.action === 'revoke') {
    await call('POST', `/v1/keys/${encodeURIComponent(command.id)}/revoke`);
    return print(`${command.id} revoked; every service refuses it within 30 s`);
  }
  const created = await call<{ key: string; apiKey: KeyRow }>('POST', '/v1/keys', command.body);
  process.stderr.write(
    `created ${created.apiKey.id} (${created.apiKey.scopes.join(',')}); the key, shown once:\n`,
  );
  print(created.key);
}

const AREAS = {
  nodes: { usage: NODES_USAGE, service: 'recovery', run: nodes },
  dlq: { usage: DLQ_USAGE, service: 'recovery', run: dlq },
  keys: { usage: KEYS_USAGE, service: 'ingestion', run: keys },
} as const;

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  const area = AREAS[name as keyof typeof AREAS];
  const usage =
    area?.usage ??
    Object.values(AREAS)
      .map((a) => a.usage)
      .join('\n');
  try {
    if (argv[0] === '--help' || argv[0] === '-h') return print(usage);
    if (!area) throw new UsageError(`unknown area "${name}"`);
    await area.run(argv, serviceClient(area.service));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${usage}\n`);
      process.exitCode = 2;
    } else if (error instanceof ApiCallError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else throw error;
  }
}

void main();
