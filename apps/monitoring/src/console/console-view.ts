import type { ModelPointersValue, NodeRegistration, RoutingValue } from '@keelson/schemas';

/**
 * What the operator console shows, decided here from plain inputs (bucket entries, monitoring's
 * verdicts, recovery's answers) so the page only renders rows and the choices are unit-tested.
 */

/** The part of monitoring's node verdict a row shows. */
export interface HealthFacts {
  nodeId: string;
  state: string;
  score: number;
  reasons: string[];
  since: string;
  figures: { callsPerSecond?: number | null; heartbeatAgeMs?: number | null };
}

export interface PoolRow {
  nodeId: string;
  /** Where it listens (its `nodes` entry); null: it has no entry (gone, or never registered). */
  address: string | null;
  models: string[];
  heartbeatAt: string | null;
  /** Monitoring's verdict; `unknown` before the node's first heartbeat reached it. */
  health: { state: string; score: number | null; reasons: string[]; since: string | null };
  /** The `routing` entry; none means active at full weight. */
  routing: {
    state: RoutingValue['state'];
    weight: number;
    reason: string;
    since: string | null;
    until: string | null;
    ejections: number;
    manual: boolean;
  };
  callsPerSecond: number | null;
  /** The one word the row is sorted and coloured by: the worst of health and routing. */
  status: 'ok' | 'warning' | 'out';
}

const ACTIVE = {
  state: 'active' as const,
  weight: 1,
  reason: '',
  since: null,
  until: null,
  ejections: 0,
  manual: false,
};

/**
 * One row per node that is registered or scored. A routing entry alone (a node that left long
 * ago: recovery keeps its entry) makes no row, or departed pods would pile up.
 */
export function poolRows(
  registrations: ReadonlyMap<string, NodeRegistration>,
  routing: ReadonlyMap<string, RoutingValue>,
  health: readonly HealthFacts[],
): PoolRow[] {
  const verdicts = new Map(health.map((h) => [h.nodeId, h]));
  const ids = new Set([...registrations.keys(), ...verdicts.keys()]);
  const rows = [...ids].map((nodeId): PoolRow => {
    const reg = registrations.get(nodeId);
    const verdict = verdicts.get(nodeId);
    const route = routing.get(nodeId);
    const row: PoolRow = {
      nodeId,
      address: reg?.addresses.http ?? null,
      models: (reg?.models ?? []).map(
        (m) => `${m.name}@${m.version}${m.ready ? '' : ' (loading)'}`,
      ),
      heartbeatAt: reg?.heartbeatAt ?? null,
      health: verdict
        ? {
            state: verdict.state,
            score: verdict.score,
            reasons: verdict.reasons,
            since: verdict.since,
          }
        : { state: 'unknown', score: null, reasons: [], since: null },
      routing: route
        ? {
            state: route.state,
            weight: route.weight,
            reason: route.reason,
            since: route.since,
            until: route.until ?? null,
            ejections: route.ejections,
            manual: route.manual ?? false,
          }
        : { ...ACTIVE },
      callsPerSecond: verdict?.figures.callsPerSecond ?? null,
      status: 'ok',
    };
    row.status = rowStatus(row);
    return row;
  });
  const rank = { out: 0, warning: 1, ok: 2 };
  return rows.sort(
    (a, b) => rank[a.status] - rank[b.status] || a.nodeId.localeCompare(b.nodeId, 'en'),
  );
}

function rowStatus(row: PoolRow): PoolRow['status'] {
  if (row.routing.state === 'ejected' || row.routing.state === 'drained') return 'out';
  if (row.health.state === 'unhealthy') return 'out';
  if (row.routing.state === 'probation' || row.health.state !== 'healthy') return 'warning';
  return 'ok';
}

/** A version's latest drift verdict as monitoring's drift service reports it. */
export interface DriftFacts {
  version: number;
  latest: {
    verdict: string;
    judgedAt: string;
    drifted: Array<{ feature: string; psi: number }>;
    /** The score's drift; without a `psi` when there were too few scores to judge. */
    score: { level: string; psi?: number } | null;
  } | null;
}

export interface ModelRow {
  model: string;
  updatedAt: string;
  versions: Array<{
    version: number;
    role: 'production' | 'canary';
    /** Share of the model's unversioned traffic. */
    share: number;
    /** Nodes with the version loaded and ready. */
    nodes: number;
    drift: { verdict: string; judgedAt: string; features: string[]; maxPsi: number | null } | null;
  }>;
}

/** Production and canary of each model in the `models` bucket, with their share and drift. */
export function modelRows(
  pointers: ReadonlyMap<string, ModelPointersValue>,
  registrations: ReadonlyMap<string, NodeRegistration>,
  drift: (model: string) => DriftFacts[] | undefined,
): ModelRow[] {
  return [...pointers.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([model, p]) => {
      const canaryShare = p.canary !== undefined ? (p.canaryWeight ?? 0) : 0;
      const roles: Array<[number | undefined, 'production' | 'canary', number]> = [
        [p.production, 'production', 1 - canaryShare],
        [p.canary, 'canary', canaryShare],
      ];
      const verdicts = new Map((drift(model) ?? []).map((d) => [d.version, d.latest]));
      return {
        model,
        updatedAt: p.updatedAt,
        versions: roles
          .filter((r): r is [number, 'production' | 'canary', number] => r[0] !== undefined)
          .map(([version, role, share]) => ({
            version,
            role,
            share: Math.round(share * 1_000) / 1_000,
            nodes: [...registrations.values()].filter((r) =>
              r.models.some((m) => m.name === model && m.version === version && m.ready),
            ).length,
            drift: driftSummary(verdicts.get(version)),
          })),
      };
    });
}

function driftSummary(latest: DriftFacts['latest'] | undefined): ModelRow['versions'][0]['drift'] {
  if (!latest) return null;
  const psis = [
    ...latest.drifted.map((f) => f.psi),
    ...(latest.score?.psi !== undefined ? [latest.score.psi] : []),
  ];
  return {
    verdict: latest.verdict,
    judgedAt: latest.judgedAt,
    features: latest.drifted.map((f) => f.feature),
    maxPsi: psis.length ? Math.max(...psis) : null,
  };
}

/** Recovery's answers, as far as the console reads them. */
export interface RecoveryGroup {
  _id: string;
  stream: string;
  consumer: string;
  pattern: string;
  failure: string;
  count: number;
  counts: Record<string, number>;
  lastSeen: string;
  replay: { status: string; taskId?: string };
  /** The trace ids of its latest failures, newest first. */
  traces?: string[];
}
export interface RecoveryTask {
  _id: string;
  state: string;
  auto: boolean;
  total: number;
  replayed: number;
  reason: string;
  selection: { groupId?: string; stream?: string; consumer?: string; ids?: string[] };
  createdAt: string;
  finishedAt?: string;
  error?: string;
}

/** Entries a replay may still send by default (recovery replays pending and parked ones). */
const REPLAYABLE = ['pending', 'parked'];

/**
 * Groups with what can be replayed and the traces of their latest failures (recovery keeps them
 * with each group, so a busy group never hides another's); tasks with their progress.
 */
export function dlqView(groups: RecoveryGroup[], tasks: RecoveryTask[]) {
  const running = new Map(
    tasks
      .filter((t) => t.state === 'running' && t.selection.groupId)
      .map((t) => [t.selection.groupId!, t._id]),
  );
  return {
    groups: [...groups]
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
      .map((g) => ({
        id: g._id,
        stream: g.stream,
        consumer: g.consumer,
        pattern: g.pattern,
        failure: g.failure,
        count: g.count,
        counts: g.counts,
        lastSeen: g.lastSeen,
        autoReplay: g.replay.status,
        replayable: REPLAYABLE.reduce((n, s) => n + (g.counts[s] ?? 0), 0),
        runningTask:
          running.get(g._id) ??
          (g.replay.status === 'replaying' ? g.replay.taskId : undefined) ??
          null,
        traces: (g.traces ?? []).filter((id) => /^[0-9a-f]{32}$/.test(id)),
      })),
    tasks: tasks.map((t) => ({
      id: t._id,
      state: t.state,
      auto: t.auto,
      target:
        t.selection.groupId ?? t.selection.stream ?? `${t.selection.ids?.length ?? 0} entries`,
      reason: t.reason,
      total: t.total,
      replayed: t.replayed,
      progress: t.total > 0 ? Math.min(1, t.replayed / t.total) : t.state === 'completed' ? 1 : 0,
      createdAt: t.createdAt,
      finishedAt: t.finishedAt ?? null,
      error: t.error ?? null,
    })),
  };
}

export type DlqView = ReturnType<typeof dlqView>;
