import type { InjectedFaults } from '@keelson/schemas';
import { DEFAULT_HEALTH_SETTINGS, type HealthSettings } from './health-settings';
import { nodeFigures, type NodeFigures } from './node-figures';
import { TrackedNode, type GatewayBeat, type NodeBeat } from './node-tracker';
import {
  holdMs,
  poolFigures,
  readSignals,
  SIGNALS,
  type SignalName,
  type SignalReadings,
} from './signals';

/**
 * healthy: nothing bad. suspect: something bad, not for long enough yet. unhealthy: condemned.
 * recovering: condemned, but every signal that condemned it is good again, not for long enough.
 */
export type NodeState = 'healthy' | 'suspect' | 'unhealthy' | 'recovering';

export interface NodeHealth {
  nodeId: string;
  state: NodeState;
  /** 1 is perfectly healthy; under 0.5 something is badly wrong. */
  score: number;
  /** The signals bad now (or, while recovering, the ones that condemned the node). */
  reasons: SignalName[];
  /** When the node entered its state (monitoring's clock). */
  since: number;
  figures: NodeFigures;
  signals: SignalReadings;
  faults?: InjectedFaults;
}

export interface HealthTransition {
  nodeId: string;
  /** `unhealthy`: condemned; `healthy`: cleared; `gone`: left (cleanly, or silent for too long). */
  to: 'unhealthy' | 'healthy' | 'gone';
  reasons: SignalName[];
  health?: NodeHealth;
}

interface Judgement {
  state: NodeState;
  since: number;
  badSince: Partial<Record<SignalName, number>>;
  /** Signals that condemned the node: each must read good before it is cleared. */
  condemnedBy: Set<SignalName>;
  goodSince?: number;
}

/**
 * Node health against peers. Feed it every heartbeat (nodes' and gateways') and call evaluate()
 * on a timer: it scores each node, holds each bad signal for a while before condemning (so one
 * slow second does not), and clears a condemned node only once every signal that condemned it has
 * read good, not merely unknown, for a while (an ejected node gets no traffic to judge it by; it
 * is cleared by the traffic it gets back). Plain state, no I/O: unit tests drive it with arrays.
 */
export class PoolHealth {
  private readonly nodes = new Map<string, TrackedNode>();
  private readonly judgements = new Map<string, Judgement>();
  private readonly settings: HealthSettings;
  private lastHeardAny = -Infinity;
  private suspendedUntil = -Infinity;
  private readonly pendingGone: string[] = [];

  constructor(settings: Partial<HealthSettings> = {}) {
    this.settings = { ...DEFAULT_HEALTH_SETTINGS, ...settings };
  }

  /** Returns false for a heartbeat too old to describe the node now (it is ignored). */
  nodeHeartbeat(beat: NodeBeat, receivedAt: number, sentAtMs = Date.parse(beat.sentAt)): boolean {
    if (receivedAt - sentAtMs > this.settings.maxHeartbeatAgeMs) return false;
    let node = this.nodes.get(beat.nodeId);
    if (!node) {
      node = new TrackedNode(beat.nodeId);
      this.nodes.set(beat.nodeId, node);
    }
    node.heartbeat(beat, receivedAt, this.settings.minCalls);
    this.lastHeardAny = Math.max(this.lastHeardAny, receivedAt);
    return true;
  }

  gatewayHeartbeat(beat: GatewayBeat, receivedAt: number, sentAtMs = Date.parse(beat.sentAt)) {
    if (receivedAt - sentAtMs > this.settings.maxHeartbeatAgeMs) return false;
    this.lastHeardAny = Math.max(this.lastHeardAny, receivedAt);
    // Only nodes that have heartbeated themselves are tracked: a gateway's stale pool entry for a
    // node long gone must not bring it back.
    for (const view of beat.nodes) this.nodes.get(view.nodeId)?.caller(beat, view, receivedAt);
    return true;
  }

  /** The node left cleanly (its `nodes` entry was deleted): no verdict on its silence. */
  forget(nodeId: string): void {
    if (this.nodes.delete(nodeId)) this.pendingGone.push(nodeId);
  }

  /**
   * A node that was unhealthy when monitoring last stopped (its alert is still firing): it starts
   * unhealthy, condemned by those signals, so a restart neither re-fires nor silently clears it.
   */
  seed(nodeId: string, reasons: SignalName[], now: number): void {
    if (!this.nodes.has(nodeId)) {
      // Silence is counted from now: a node that never comes back is forgotten in due course.
      const node = new TrackedNode(nodeId);
      node.lastHeardAt = now;
      this.nodes.set(nodeId, node);
    }
    this.judgements.set(nodeId, {
      state: 'unhealthy',
      since: now,
      badSince: {},
      condemnedBy: new Set(reasons.filter((r) => (SIGNALS as readonly string[]).includes(r))),
    });
  }

  /**
   * Monitoring's own link was down (or it just started): stopped heartbeats say nothing about the
   * nodes until `until`.
   */
  suspendSilence(until: number): void {
    this.suspendedUntil = Math.max(this.suspendedUntil, until);
  }

  /** Ends a suspension (monitoring's link is back), judging silence again from `from` on. */
  resumeSilence(from: number): void {
    this.suspendedUntil = from;
  }

  evaluate(now: number): { nodes: NodeHealth[]; transitions: HealthTransition[] } {
    const transitions: HealthTransition[] = this.pendingGone.splice(0).map((nodeId) => {
      this.judgements.delete(nodeId);
      return { nodeId, to: 'gone' as const, reasons: [] };
    });
    const tracked = [...this.nodes.values()];
    for (const node of tracked)
      if (now - node.lastHeardAt > this.settings.forgetAfterMs) {
        this.nodes.delete(node.nodeId);
        this.judgements.delete(node.nodeId);
        transitions.push({ nodeId: node.nodeId, to: 'gone', reasons: ['missed-heartbeats'] });
      }
    const live = [...this.nodes.values()];
    const figures = live.map((n) => nodeFigures(n, now, this.deadAfterMs(n)));
    const hearing = now >= this.suspendedUntil && now - this.lastHeardAny <= this.deafAfterMs(live);
    const pool = poolFigures(figures, this.settings);
    const nodes = live.map((node, i) => {
      const signals = readSignals(figures[i], pool, this.settings, this.deadAfterMs(node), hearing);
      const { health, transition } = this.judge(node, figures[i], signals, now);
      if (transition) transitions.push(transition);
      return health;
    });
    return { nodes, transitions };
  }

  private judge(node: TrackedNode, figures: NodeFigures, signals: SignalReadings, now: number) {
    let j = this.judgements.get(node.nodeId);
    if (!j) {
      j = { state: 'healthy', since: now, badSince: {}, condemnedBy: new Set() };
      this.judgements.set(node.nodeId, j);
    }
    const bad = SIGNALS.filter((s) => signals[s].verdict === 'bad');
    for (const s of SIGNALS) {
      if (signals[s].verdict === 'bad') j.badSince[s] ??= now;
      else delete j.badSince[s];
    }
    let transition: HealthTransition | undefined;
    const condemned = j.state === 'unhealthy' || j.state === 'recovering';
    if (!condemned) {
      const held = bad.filter(
        (s) => now - j!.badSince[s]! >= holdMs(s, this.settings, node.intervalMs),
      );
      if (held.length > 0) {
        this.enter(j, 'unhealthy', now);
        j.condemnedBy = new Set(bad);
        j.goodSince = undefined;
        transition = { nodeId: node.nodeId, to: 'unhealthy', reasons: bad };
      } else if (bad.length > 0) this.enter(j, 'suspect', now);
      else this.enter(j, 'healthy', now);
    } else {
      for (const s of bad) j.condemnedBy.add(s);
      const proven = [...j.condemnedBy].every((s) => signals[s].verdict === 'good');
      if (bad.length > 0 || !proven) {
        j.goodSince = undefined;
        this.enter(j, 'unhealthy', now);
      } else {
        j.goodSince ??= now;
        this.enter(j, 'recovering', now);
        if (now - j.goodSince >= this.settings.clearAfterMs) {
          transition = { nodeId: node.nodeId, to: 'healthy', reasons: [...j.condemnedBy] };
          this.enter(j, 'healthy', now);
          j.condemnedBy = new Set();
          j.goodSince = undefined;
        }
      }
    }
    const pressure = Math.max(...SIGNALS.map((s) => signals[s].pressure));
    const health: NodeHealth = {
      nodeId: node.nodeId,
      state: j.state,
      score: Math.round((1 - pressure) * 1_000) / 1_000,
      reasons: j.state === 'recovering' ? [...j.condemnedBy] : bad,
      since: j.since,
      figures,
      signals,
      ...(node.faults && { faults: node.faults }),
    };
    if (transition) transition.health = health;
    return { health, transition };
  }

  private enter(j: Judgement, state: NodeState, now: number): void {
    if (j.state !== state) {
      j.state = state;
      j.since = now;
    }
  }

  private deadAfterMs(node: TrackedNode): number {
    return this.settings.missedBeats * node.intervalMs + this.settings.graceMs;
  }

  /** Hearing no heartbeat from anyone for this long means monitoring is the one cut off. */
  private deafAfterMs(nodes: TrackedNode[]): number {
    const longest = Math.max(1_000, ...nodes.map((n) => n.intervalMs));
    return this.settings.missedBeats * longest + this.settings.graceMs;
  }
}
