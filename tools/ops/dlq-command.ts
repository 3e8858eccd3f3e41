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
