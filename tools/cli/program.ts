import { Command, CommanderError, Option } from 'commander';
import { parseDurationMs } from '@keelson/config';
import { intOption, UsageError } from '../demo/cli-args';
import { formatGroups, formatTasks, type GroupRow, type TaskRow } from '../ops/dlq-command';
import { formatKeys, type KeyRow } from '../ops/keys-command';
import { formatModels, type ModelRow } from './models-command';
import { formatNodes, type NodesView } from '../ops/nodes-command';

/**
 * `./keelson`'s operator commands as one program (commander): help for every command, `--json` for
 * scripts, and exit codes scripts can trust: 0 done, 1 the service refused or failed, 2 a bad
 * command line. The bash script only bootstraps it (tools/cli/main.ts).
 */

export type Service = 'ingestion' | 'recovery' | 'training';
export type Call = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

export interface CliIo {
  /** The API client of a service (tools/ops/service-client.ts outside tests). */
  client(service: Service): Call;
  out(text: string): void;
  err(text: string): void;
  /** Follows a replay task until it ends (a progress bar on a terminal). */
  follow(call: Call, id: string): Promise<TaskRow>;
  /** The data producer and the training client (tools/demo), which have their own options. */
  produce(options: Record<string, string | undefined>): Promise<void>;
  train(options: Record<string, string | undefined>): Promise<void>;
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const reasonOption = () => new Option('--reason <text>', 'why (kept in the audit log)');

/**
 * What an area does without a subcommand (list): its default command, which refuses words it does
 * not know as an unknown command rather than as extra arguments of the listing.
 */
function defaultCommand(
  area: Command,
  name: string,
  description: string,
  run: () => Promise<void>,
) {
  area
    .command(name, { isDefault: true })
    .description(description)
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      if (command.args.length > 0)
        throw new UsageError(`unknown ${area.name()} command '${command.args[0]}' (see --help)`);
      await run();
    });
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('keelson')
    .description('Keelson operator commands (the platform itself: ./keelson --help)')
    .option('--json', 'print what the service answered as JSON, for scripts')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const show = <T>(value: T, format: (v: T) => string) =>
    io.out(json() ? JSON.stringify(value, null, 2) : format(value));
  const needReason = (action: string, reason: string | undefined) => {
    if (!reason?.trim()) throw new UsageError(`${action} needs --reason (it is audited)`);
    return reason.trim();
  };

  const nodes = program
    .command('nodes')
    .description('prediction nodes as recovery routes them: state, weight, reason (recovery)');
  const recovery = () => io.client('recovery');
  defaultCommand(nodes, 'list', 'each node: routing state, weight, reason; each pool', async () =>
    show(await recovery()<NodesView>('GET', '/v1/nodes'), formatNodes),
  );
  const routingAction = (action: 'eject' | 'admit' | 'drain', description: string) => {
    const command = nodes
      .command(`${action} <node>`)
      .description(description)
      .addOption(reasonOption());
    if (action === 'eject')
      command.option('--for <duration>', 'how long (90s, 10m, 2h); without it, until admitted');
    command.action(async (nodeId: string, o: { reason?: string; for?: string }) => {
      const body: Record<string, unknown> = { reason: needReason(action, o.reason) };
      if (o.for !== undefined) {
        const ms = parseDurationMs(o.for);
        if (ms === undefined)
          throw new UsageError(`--for must be a duration such as 90s, 10m or 2h, not "${o.for}"`);
        body.durationMs = Math.round(ms);
      }
      const path = `/v1/nodes/${encodeURIComponent(nodeId)}/${action}`;
      const result = await recovery()<{ state: string; weight: number }>('POST', path, body);
      show(result, (r) => `${nodeId}: ${r.state}, weight ${r.weight}`);
    });
  };
  routingAction('eject', 'take a node out of traffic');
  routingAction('admit', 'bring a node back through probation (slow start)');
  routingAction('drain', 'no new traffic to a node, e.g. before maintenance');

  const dlq = program
    .command('dlq')
    .description('dead letters: grouped, shown, replayed, archived (recovery)');
  defaultCommand(
    dlq,
    'groups',
    'failed messages grouped by stream, consumer and error',
    async () => {
      const { groups } = await recovery()<{ groups: GroupRow[] }>('GET', '/v1/dlq/groups');
      show(groups, formatGroups);
    },
  );
  dlq
    .command('show <id>')
    .description('a group and its latest entries, or one entry whole (payload, headers, error)')
    .action(async (id: string) => {
      const call = recovery();
      const path = encodeURIComponent(id);
      const group = await call<GroupRow>('GET', `/v1/dlq/groups/${path}`).catch((e: Error) => {
        if (e.message.startsWith('404')) return undefined;
        throw e;
      });
      if (!group)
        return io.out(JSON.stringify(await call('GET', `/v1/dlq/entries/${path}`), null, 2));
      const { entries } = await call<{ entries: Array<Record<string, unknown>> }>(
        'GET',
        `/v1/dlq/entries?group=${path}&limit=10`,
      );
      if (json()) return io.out(JSON.stringify({ group, entries }, null, 2));
      io.out(formatGroups([group]));
      io.out(`\nlatest entries (./keelson dlq show <entry> for the payload):`);
      for (const e of entries)
        io.out(`  ${e._id}  ${e.state}  replays ${e.replays}  ${e.originalSubject}  ${e.failedAt}`);
    });
  dlq
    .command('replay')
    .description('replay a selection as a task (one of --group, --stream, --ids, --from)')
    .option('--group <id>', 'a group')
    .option('--stream <name>', 'a stream')
    .option('--consumer <name>', 'with --stream: one consumer')
    .option('--ids <a,b>', 'entry ids')
    .option('--from <time>', 'failed at or after (ISO 8601)')
    .option('--to <time>', 'failed before (ISO 8601)')
    .option('--states <a,b>', 'entry states (default pending,parked)')
    .option('--rate <n>', 'messages per second; 0: unthrottled')
    .addOption(reasonOption().default('replayed from the command line'))
    .option('--dry-run', 'count the selection, replay nothing')
    .option('--no-follow', 'start the task and return')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      if (!o.group && !o.stream && !o.ids && !o.from)
        throw new UsageError('replay needs --group, --stream, --ids or --from');
      const body: Record<string, unknown> = {};
      for (const field of ['group', 'stream', 'consumer', 'from', 'to'] as const)
        if (o[field] !== undefined) body[field] = o[field];
      if (o.ids) body.ids = list(o.ids as string);
      if (o.states) body.states = list(o.states as string);
      if (o.rate !== undefined) body.rate = intOption(o.rate as string, 'rate', 0, 0, 100_000);
      body.reason = o.reason;
      if (o.dryRun) body.dryRun = true;
      const call = recovery();
      const result = await call<TaskRow & { count?: number }>('POST', '/v1/dlq/replays', body);
      if (o.dryRun) return show(result, (r) => `${r.count} message(s) would be replayed`);
      if (!o.follow) return show(result, (r) => `replay ${r._id}: ${r.total} message(s)`);
      if (!json()) io.out(`replay ${result._id}: ${result.total} message(s)`);
      const done = await io.follow(call, result._id);
      show(done, (d) => `replay ${d._id}: ${d.state}, ${d.replayed}/${d.total}`);
      if (done.state === 'failed') process.exitCode = 1;
    });
  dlq
    .command('tasks [task]')
    .description('replay tasks; with an id, follow that one until it ends')
    .action(async (id?: string) => {
      const call = recovery();
      if (!id) {
        const { replays } = await call<{ replays: TaskRow[] }>('GET', '/v1/dlq/replays');
        return show(replays, formatTasks);
      }
      show(await io.follow(call, id), (t) => formatTasks([t]));
    });
  dlq
    .command('cancel <task>')
    .description('stop a replay task (what it sent stays sent)')
    .addOption(reasonOption())
    .action(async (id: string, o: { reason?: string }) => {
      const path = `/v1/dlq/replays/${encodeURIComponent(id)}/cancel`;
      const task = await recovery()<TaskRow>('POST', path, o.reason ? { reason: o.reason } : {});
      show(task, (t) => formatTasks([t]));
    });
  dlq
    .command('archive')
    .description('set entries aside: never replayed (one of --group, --ids)')
    .option('--group <id>', 'a group')
    .option('--ids <a,b>', 'entry ids')
    .addOption(reasonOption())
    .action(async (o: { group?: string; ids?: string; reason?: string }) => {
      if (!o.group && !o.ids) throw new UsageError('archive needs --group or --ids');
      const body = {
        ...(o.group && { group: o.group }),
        ...(o.ids && { ids: list(o.ids) }),
        reason: needReason('archive', o.reason),
      };
      const result = await recovery()<{ archived: number }>('POST', '/v1/dlq/archive', body);
      show(result, (r) => `${r.archived} message(s) archived`);
    });

  const keys = program.command('keys').description('API keys of every service (ingestion)');
  const ingestion = () => io.client('ingestion');
  defaultCommand(keys, 'list', 'every key: id, name, scopes, rate, expiry, revocation', async () =>
    show((await ingestion()<{ keys: KeyRow[] }>('GET', '/v1/keys')).keys, (k) => formatKeys(k)),
  );
  keys
    .command('create')
    .description('a new key, printed once (it is stored hashed)')
    .requiredOption('--name <name>', 'who or what holds it')
    .requiredOption('--scopes <a,b>', 'what it may do (e.g. ingest, predict, admin)')
    .option('--rate <n>', 'requests per second (default: the service default)')
    .option('--burst <n>', 'requests in a burst')
    .option('--expires-in <duration>', 'valid for (e.g. 720h)')
    .option('--expires-at <time>', 'valid until (ISO 8601)')
    .action(async (o: Record<string, string | undefined>) => {
      const body: Record<string, unknown> = { name: o.name, scopes: list(o.scopes) };
      if (o.rate !== undefined) body.ratePerSecond = intOption(o.rate, 'rate', 0, 1, 1_000_000);
      if (o.burst !== undefined) body.burst = intOption(o.burst, 'burst', 0, 1, 1_000_000);
      if (o.expiresIn) body.expiresIn = o.expiresIn;
      if (o.expiresAt) body.expiresAt = o.expiresAt;
      const created = await ingestion()<{ key: string; apiKey: KeyRow }>('POST', '/v1/keys', body);
      if (json()) return io.out(JSON.stringify(created, null, 2));
      io.err(
        `created ${created.apiKey.id} (${created.apiKey.scopes.join(',')}); the key, shown once:`,
      );
      io.out(created.key);
    });
  keys
    .command('revoke <id>')
    .description('refused by every service within 30 s')
    .action(async (id: string) => {
      const result = await ingestion()<object>('POST', `/v1/keys/${encodeURIComponent(id)}/revoke`);
      show(result, () => `${id} revoked; every service refuses it within 30 s`);
    });

  const models = program.command('models').description('registered models and versions (training)');
  defaultCommand(models, 'list', 'each model: versions, production and canary', async () => {
    const call = io.client('training');
    show((await call<{ models: ModelRow[] }>('GET', '/v1/models')).models, formatModels);
  });

  program
    .command('produce')
    .description('send records of a CSV or NDJSON file to ingestion (HTTP or NATS)')
    .requiredOption('--file <path>', 'records, CSV with a header or NDJSON')
    .requiredOption('--dataset <name>', 'the dataset they belong to')
    .option('--via <http|nats>', 'how to send them', 'http')
    .option('--url <url>', 'ingestion (default http://127.0.0.1:8082)')
    .option('--key <key>', 'an API key with the ingest scope')
    .option('--key-file <path>', 'a file holding the key')
    .option('--nats <url>', 'with --via nats: the NATS server')
    .option('--batch <n>', 'records per request or message', '500')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--format <csv|ndjson>', 'the file format (default: by its extension)')
    .action((o: Record<string, string | undefined>) => io.produce(o));

  program
    .command('train')
    .description('train a model on a dataset and follow the job to its result')
    .requiredOption('--dataset <name>', 'the dataset to train on')
    .requiredOption('--model <name>', 'the model to register the version under')
    .option('--algorithm <logistic|mlp>', 'the learner', 'mlp')
    .option('--hidden <a,b>', 'MLP hidden layer sizes')
    .option('--epochs <n>', 'training epochs')
    .option('--url <url>', 'training (default http://127.0.0.1:8083)')
    .option('--key <key>', 'an API key with the train scope')
    .option('--key-file <path>', 'a file holding the key')
    .option('--timeout-s <n>', 'how long to follow the job', '1800')
    .action((o: Record<string, string | undefined>) => io.train(o));

  return program;
}

/** Runs the program on `argv` (after `./keelson`) and says which exit code it earned. */
export async function runCli(argv: string[], io: CliIo, isApiError: (e: unknown) => boolean) {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError)
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (isApiError(error)) {
      io.err((error as Error).message);
      return 1;
    }
    throw error;
  }
}
