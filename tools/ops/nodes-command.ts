import { parseDurationMs } from '@keelson/config';
import { parseCli, UsageError } from '../demo/cli-args';

export const NODES_USAGE = `usage: ./keelson nodes                          each node: routing state, weight, reason
       ./keelson nodes eject <node> --reason R [--for 10m]
                                                 out of traffic (without --for: until admitted)
       ./keelson nodes admit <node> --reason R   back through probation (slow start)
       ./keelson nodes drain <node> --reason R   no new traffic, e.g. before maintenance`;

export type NodesCommand =
  | { action: 'list' }
  | { action: 'eject' | 'admit' | 'drain'; nodeId: string; reason: string; durationMs?: number };

export function parseNodesArgs(argv: string[]): NodesCommand {
  const [action, nodeId, ...rest] = argv;
  if (action === undefined || action === 'list') return { action: 'list' };
  if (action !== 'eject' && action !== 'admit' && action !== 'drain')
    throw new UsageError(`unknown nodes command "${action}"`);
  if (!nodeId || nodeId.startsWith('--')) throw new UsageError(`${action} needs a node id`);
  const options = parseCli(rest, { reason: { type: 'string' }, for: { type: 'string' } });
  if (!options.reason?.trim()) throw new UsageError(`${action} needs --reason (it is audited)`);
  if (options.for !== undefined && action !== 'eject')
    throw new UsageError('only an ejection takes --for');
  const durationMs = options.for === undefined ? undefined : parseDurationMs(options.for);
  if (options.for !== undefined && durationMs === undefined)
    throw new UsageError(`--for must be a duration such as 90s, 10m or 2h, not "${options.for}"`);
  return {
    action,
    nodeId,
    reason: options.reason.trim(),
    ...(durationMs !== undefined && { durationMs: Math.round(durationMs) }),
  };
}

export interface NodeRow {
  nodeId: string;
  registered: boolean;
  models: string[];
  state: string;
  weight: number;
  reason: string;
  since: string;
  ejections: number;
  until?: string;
  held?: string;
  manual?: boolean;
}
export interface NodesView {
  leader: { instance: string; leading: boolean };
  nodes: NodeRow[];
  pools: Array<{ model: string; size: number; ejected: string[]; degraded: boolean }>;
}

const ago = (iso: string, now: number) => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1_000));
  return s < 120 ? `${s}s` : s < 7_200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3_600)}h`;
};

/** The routing table as an operator reads it, then each model's pool. */
export function formatNodes(view: NodesView, now = Date.now()): string {
  const lines = [
    `${'node'.padEnd(32)} ${'state'.padEnd(10)} weight  ${'for'.padStart(5)}  ejections  reason`,
  ];
  for (const n of [...view.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId))) {
    const notes = [
      n.reason,
      n.until && n.state === 'ejected' ? `until ${n.until.slice(11, 19)}` : '',
      n.manual ? 'by an operator' : '',
      n.held ?? '',
      n.registered ? '' : 'not registered',
    ].filter(Boolean);
    lines.push(
      `${n.nodeId.padEnd(32)} ${n.state.padEnd(10)} ${n.weight.toFixed(2).padStart(6)}  ${ago(n.since, now).padStart(5)}  ${String(n.ejections).padStart(9)}  ${notes.join('; ')}`,
    );
  }
  if (view.nodes.length === 0) lines.push('(no prediction node registered)');
  lines.push('');
  for (const p of view.pools)
    lines.push(
      `pool ${p.model}: ${p.size} node(s), ${p.ejected.length} ejected${p.degraded ? ' - DEGRADED: more are sick than may be ejected' : ''}`,
    );
  lines.push(
    `recovery ${view.leader.instance} ${view.leader.leading ? 'leads' : 'is a follower (another replica acts)'}`,
  );
  return lines.join('\n');
}
