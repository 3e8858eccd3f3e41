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
