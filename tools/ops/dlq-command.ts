import { intOption, parseCli, UsageError } from '../demo/cli-args';

export const DLQ_USAGE = `usage: ./keelson dlq groups                  failed messages grouped by consumer and error
       ./keelson dlq show <group|entry>      a group and its latest entries, or one entry whole
       ./keelson dlq replay (--group G | --stream S [--consumer C] | --ids a,b | --from T [--to T])
                 [--rate N] [--states pending,parked] [--reason R] [--dry-run] [--no-follow]
                                             replay as a task, with a progress bar
       ./keelson dlq tasks [task]            replay tasks; with an id, follow it
       ./keelson dlq cancel <task> [--reason R]
       ./keelson dlq archive (--group G | --ids a,b) --reason R`;

export type DlqCommand =
  | { action: 'groups' }
  | { action: 'show'; id: string }
  | { action: 'replay'; body: Record<string, unknown>; dryRun: boolean; follow: boolean }
  | { action: 'tasks'; id?: string }
  | { action: 'cancel'; id: string; reason?: string }
  | { action: 'archive'; body: Record<string, unknown> };

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The command line as the API request it makes; the API checks the values themselves. */
export function parseDlqArgs(argv: string[]): DlqCommand {
  const [action, ...rest] = argv;
  const positional = () => {
    const id = rest[0];
    if (!id || id.startsWith('--')) throw new UsageError(`${action} needs an id`);
    return id;
  };
  switch (action) {
    case undefined:
    case 'groups':
      return { action: 'groups' };
    case 'show':
      return { action: 'show', id: positional() };
    case 'tasks':
      return { action: 'tasks', ...(rest[0] && { id: rest[0] }) };
    case 'cancel': {
      const id = positional();
      const { reason } = parseCli(rest.slice(1), { reason: { type: 'string' } });
      return { action: 'cancel', id, ...(reason && { reason }) };
    }
    case 'archive': {
      const o = parseCli(rest, {
        group: { type: 'string' },
        ids: { type: 'string' },
        reason: { type: 'string' },
      });
      if (!o.group && !o.ids) throw new UsageError('archive needs --group or --ids');
      if (!o.reason) throw new UsageError('archive needs --reason (it is audited)');
      return {
        action: 'archive',
        body: {
          ...(o.group && { group: o.group }),
          ...(o.ids && { ids: list(o.ids) }),
          reason: o.reason,
        },
      };
    }
    case 'replay': {
      const o = parseCli(rest, {
        group: { type: 'string' },
        stream: { type: 'string' },
        consumer: { type: 'string' },
        ids: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        states: { type: 'string' },
        rate: { type: 'string' },
        reason: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'no-follow': { type: 'boolean' },
      });
      if (!o.group && !o.stream && !o.ids && !o.from)
        throw new UsageError('replay needs --group, --stream, --ids or --from');
      const body: Record<string, unknown> = {};
      for (const field of ['group', 'stream', 'consumer', 'from', 'to'] as const)
        if (o[field] !== undefined) body[field] = o[field];
      if (o.ids) body.ids = list(o.ids);
      if (o.states) body.states = list(o.states);
      if (o.rate !== undefined) body.rate = intOption(o.rate, 'rate', 0, 0, 100_000);
      body.reason = o.reason ?? 'replayed from the command line';
      const dryRun = o['dry-run'] === true;
      if (dryRun) body.dryRun = true;
      return { action: 'replay', body, dryRun, follow: !o['no-follow'] };
    }
    default:
      throw new UsageError(`unknown dlq command "${action}"`);
  }
}

export interface GroupRow {
  _id: string;
  stream: string;
  consumer: string;
  failure: string;
  count: number;
  counts: Record<string, number>;
  lastSeen: string;
  pattern: string;
  replay: { status: string; note?: string };
}

const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ') || 'none';

export function formatGroups(groups: GroupRow[]): string {
  if (groups.length === 0) return 'no dead letters';
  return groups
    .map((g) =>
      [
        `${g._id}`,
        `  ${g.stream}/${g.consumer}, ${g.failure}: ${g.count} message(s) (${counted(g.counts)}), last ${g.lastSeen}`,
        `  error: ${g.pattern}`,
        `  automatic replay: ${g.replay.status}${g.replay.note ? ` (${g.replay.note})` : ''}`,
      ].join('\n'),
    )
    .join('\n\n');
}

export interface TaskRow {
  _id: string;
  state: string;
  auto: boolean;
  by: string;
  reason: string;
  total: number;
  replayed: number;
  rate: number;
  createdAt: string;
  error?: string;
}

export function formatTasks(tasks: TaskRow[]): string {
  if (tasks.length === 0) return 'no replay tasks';
  return [
    `${'task'.padEnd(38)} ${'state'.padEnd(10)} ${'replayed'.padStart(13)}  rate   by`,
    ...tasks.map(
      (t) =>
        `${t._id.padEnd(38)} ${t.state.padEnd(10)} ${`${t.replayed}/${t.total}`.padStart(13)}  ${(t.rate === 0 ? 'max' : String(t.rate)).padEnd(5)}  ${t.auto ? 'recovery' : t.by}: ${t.reason}${t.error ? ` (${t.error})` : ''}`,
    ),
  ].join('\n');
}
