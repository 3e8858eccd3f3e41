import type { RoutingValue } from '@keelson/schemas';

/**
 * Recovery's decisions about node traffic, as a pure function: facts in (the nodes, their routing
 * entries, the alerts firing about them, probe results, what their callers saw), the entries to
 * write out. The recovery leader runs it every tick and applies its writes by compare-and-set, so
 * a decision never overwrites an operator's or another leader's newer one.
 *
 * The state machine of a node:
 *
 *   active ──(new node.unhealthy alert, under the pool cap)──> ejected
 *   ejected ──(ejection time over, readiness + a real inference per model pass)──> probation
 *   ejected ──(probes fail `failedProbesToEject` times in a row)──> ejected, for longer
 *            (base x ejections, capped); a single failure is probed again `probeEveryMs` later
 *   probation ──(slow start: weight grows from min to 1 over the window, no failure)──> active
 *   probation ──(probes fail in a row, callers see failures, or a new alert)──> ejected, longer
 *
 * Like Kubernetes' failureThreshold and Envoy's unhealthy_threshold, one failed probe is not a
 * verdict: a node just restarted on a busy host can miss one probe's deadline (its first inference
 * warms the runtime), and a verdict on one would cost it a whole longer ejection.
 *   any ──(operator)──> ejected / drained / probation (manual entries are left alone)
 */
export interface HealingSettings {
  /** Never eject more than this share of a model's pool (Envoy's max_ejection_percent). */
  maxEjectedShare: number;
  /** An ejection lasts base x the node's ejection count, up to max (Envoy's base_ejection_time). */
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Probation's slow start: the weight grows linearly from `minWeight` to 1 over this window. */
  slowStartMs: number;
  minWeight: number;
  /** A node on probation, or ejected past its time and failing probes, is probed this often. */
  probeEveryMs: number;
  /** Consecutive failed probes that eject a node again (or extend its ejection). */
  failedProbesToEject: number;
  /** Callers' failure share that fails probation, over at least `minAttempts` attempts. */
  probationFailureRate: number;
  minAttempts: number;
  /** Active this long, a node's ejection count starts again from zero. */
  forgiveAfterMs: number;
  /** Probation weights are rewritten only when they moved this much (fewer bucket writes). */
  weightStep: number;
}

export const DEFAULT_HEALING_SETTINGS: HealingSettings = {
  maxEjectedShare: 0.5,
  baseEjectionMs: 15_000,
  maxEjectionMs: 300_000,
  slowStartMs: 20_000,
  minWeight: 0.1,
  probeEveryMs: 2_000,
  failedProbesToEject: 3,
  probationFailureRate: 0.05,
  minAttempts: 10,
  forgiveAfterMs: 10 * 60_000,
  weightStep: 0.05,
};

export interface NodeFacts {
  nodeId: string;
  /** Present in the `nodes` bucket now (it can be probed and routed to). */
  registered: boolean;
  /** The models it serves: its pools. */
  models: string[];
  routing?: RoutingValue;
  /** The `node.unhealthy` alert firing about it, if any. */
  alert?: { alertId: string; reasons: string[] };
  /**
   * The latest probe of it, when recovery probed; `failures`: failed probes in a row since its
   * routing entry's `since`, this one included (0 when it passed; absent counts as 1 if failed).
   */
  probe?: { ok: boolean; at: number; detail: string; failures?: number };
  /** What the gateways saw of it since it entered its current state. */
  callers?: { attempts: number; failures: number };
}

export type RoutingAction =
  | { kind: 'write'; nodeId: string; value: RoutingValue; why: string }
  | { kind: 'probe'; nodeId: string }
  /** An ejection the pool cap forbade: the node keeps serving, and the pool is degraded. */
  | { kind: 'hold'; nodeId: string; alertId: string; why: string };

export interface PoolVerdict {
  model: string;
  size: number;
  ejected: string[];
  /** Nodes with a node.unhealthy alert firing. */
  unhealthy: string[];
  /** More nodes are sick than the cap lets recovery eject. */
  degraded: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Envoy's ejection time: base x count, capped. */
export function ejectionMs(ejections: number, settings: HealingSettings): number {
  return Math.min(settings.baseEjectionMs * Math.max(1, ejections), settings.maxEjectionMs);
}

/** The slow-start weight `elapsedMs` into probation. */
export function slowStartWeight(elapsedMs: number, settings: HealingSettings): number {
  const ramp = Math.min(1, Math.max(0, elapsedMs / settings.slowStartMs));
  return Math.max(settings.minWeight, Math.round(ramp * 1_000) / 1_000);
}

export function defaultRouting(now: number): RoutingValue {
  return { state: 'active', weight: 1, reason: 'no entry', since: iso(now), ejections: 0 };
}

export function planRouting(
  nodes: readonly NodeFacts[],
  now: number,
  settings: HealingSettings = DEFAULT_HEALING_SETTINGS,
): { actions: RoutingAction[]; pools: PoolVerdict[] } {
  const actions: RoutingAction[] = [];
  const ejected = new Set(nodes.filter((n) => n.routing?.state === 'ejected').map((n) => n.nodeId));
  const pools = poolsOf(nodes);

  const eject = (n: NodeFacts, r: RoutingValue, why: string, alertId?: string) => {
    const ejections = r.ejections + 1;
    ejected.add(n.nodeId);
    actions.push({
      kind: 'write',
      nodeId: n.nodeId,
      why,
      value: {
        state: 'ejected',
        weight: 0,
        reason: why,
        since: iso(now),
        ejections,
        until: iso(now + ejectionMs(ejections, settings)),
        ...((alertId ?? r.alertId) && { alertId: alertId ?? r.alertId }),
      },
    });
  };

  for (const n of nodes) {
    const r = n.routing ?? defaultRouting(now);
    if (r.manual || r.state === 'drained') continue;
    const since = Date.parse(r.since);
    const newAlert = n.alert && n.alert.alertId !== r.alertId ? n.alert : undefined;

    if (r.state === 'active') {
      if (newAlert) {
        const blocked = capBlocks(n, pools, ejected, settings);
        if (blocked)
          actions.push({ kind: 'hold', nodeId: n.nodeId, alertId: newAlert.alertId, why: blocked });
        else eject(n, r, `unhealthy: ${newAlert.reasons.join(', ')}`, newAlert.alertId);
      } else if (r.ejections > 0 && now - since >= settings.forgiveAfterMs && n.routing) {
        actions.push({
          kind: 'write',
          nodeId: n.nodeId,
          why: 'healthy for long enough: ejections forgiven',
          value: { ...r, ejections: 0, since: iso(now), reason: 'ejections forgiven' },
        });
      }
      continue;
    }

    if (r.state === 'ejected') {
      const due = r.until ? Date.parse(r.until) : since;
      if (now < due || !n.registered) continue;
      if (!n.probe || n.probe.at < due) {
        actions.push({ kind: 'probe', nodeId: n.nodeId });
        continue;
      }
      if (!n.probe.ok) {
        const failures = n.probe.failures ?? 1;
        if (failures >= settings.failedProbesToEject)
          eject(n, r, `${failures} probes failed in a row, the last: ${n.probe.detail}`);
        else if (now - n.probe.at >= settings.probeEveryMs)
          actions.push({ kind: 'probe', nodeId: n.nodeId });
        continue;
      }
      const { until: _until, ...rest } = r;
      actions.push({
        kind: 'write',
        nodeId: n.nodeId,
        why: `probes passed: ${n.probe.detail}`,
        value: {
          ...rest,
          state: 'probation',
          weight: settings.minWeight,
          since: iso(now),
          reason: 'probes passed; slow start',
        },
      });
      continue;
    }

    // probation
    const failing =
      (n.probe &&
        n.probe.at >= since &&
        !n.probe.ok &&
        (n.probe.failures ?? 1) >= settings.failedProbesToEject &&
        `${n.probe.failures ?? 1} probes failed in a row, the last: ${n.probe.detail}`) ||
      (n.callers &&
        n.callers.attempts >= settings.minAttempts &&
        n.callers.failures / n.callers.attempts > settings.probationFailureRate &&
        `callers saw ${n.callers.failures} of ${n.callers.attempts} attempts fail`) ||
      (newAlert && `unhealthy again: ${newAlert.reasons.join(', ')}`);
    if (failing) {
      eject(n, r, `probation failed: ${failing}`, newAlert?.alertId);
      continue;
    }
    if (now - since >= settings.slowStartMs) {
      actions.push({
        kind: 'write',
        nodeId: n.nodeId,
        why: 'probation passed',
        value: { ...r, state: 'active', weight: 1, since: iso(now), reason: 'probation passed' },
      });
      continue;
    }
    const weight = slowStartWeight(now - since, settings);
    if (weight - r.weight >= settings.weightStep)
      actions.push({
        kind: 'write',
        nodeId: n.nodeId,
        why: `slow start at ${weight}`,
        value: { ...r, weight },
      });
    if (!n.probe || now - n.probe.at >= settings.probeEveryMs)
      actions.push({ kind: 'probe', nodeId: n.nodeId });
  }

  return { actions, pools: poolVerdicts(pools, nodes, ejected, settings) };
}

/** Each model's registered nodes. */
function poolsOf(nodes: readonly NodeFacts[]): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const n of nodes)
    if (n.registered) for (const m of n.models) pools.set(m, [...(pools.get(m) ?? []), n.nodeId]);
  return pools;
}

/** Why ejecting `n` would take a pool past the cap, if it would. */
function capBlocks(
  n: NodeFacts,
  pools: Map<string, string[]>,
  ejected: ReadonlySet<string>,
  settings: HealingSettings,
): string | undefined {
  for (const model of n.models) {
    const members = pools.get(model) ?? [n.nodeId];
    const out = members.filter((id) => ejected.has(id) || id === n.nodeId).length;
    if (out / members.length > settings.maxEjectedShare)
      return `ejecting it would take ${out} of ${members.length} nodes of ${model} out (cap ${Math.round(settings.maxEjectedShare * 100)}%)`;
  }
  return undefined;
}

function poolVerdicts(
  pools: Map<string, string[]>,
  nodes: readonly NodeFacts[],
  ejected: ReadonlySet<string>,
  settings: HealingSettings,
): PoolVerdict[] {
  const alerted = new Set(nodes.filter((n) => n.alert).map((n) => n.nodeId));
  return [...pools].map(([model, members]) => {
    const unhealthy = members.filter((id) => alerted.has(id) || ejected.has(id));
    return {
      model,
      size: members.length,
      ejected: members.filter((id) => ejected.has(id)),
      unhealthy,
      degraded: unhealthy.length / members.length > settings.maxEjectedShare,
    };
  });
}
