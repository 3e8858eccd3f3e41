import type { HealthSettings } from './health-settings';
import type { NodeFigures, Rate } from './node-figures';
import { PeerValues } from './peer-values';

export const SIGNALS = [
  'missed-heartbeats',
  'unreachable',
  'circuits-open',
  'caller-timeouts',
  'caller-errors',
  'server-errors',
  'slow',
  'queue-saturated',
  'event-loop-lag',
] as const;
export type SignalName = (typeof SIGNALS)[number];

/** `unknown`: not enough evidence either way (no traffic, no callers, a stale heartbeat). */
export type Verdict = 'bad' | 'good' | 'unknown';

export interface SignalReading {
  verdict: Verdict;
  /** 0 when all is well, 1 at twice the threshold or worse: what the health score is made of. */
  pressure: number;
  value?: number;
  threshold?: number;
  /** The peers' median of the same figure, where the node is judged against them. */
  peers?: number;
  detail?: string;
}

export type SignalReadings = Record<SignalName, SignalReading>;

const UNKNOWN: SignalReading = { verdict: 'unknown', pressure: 0 };
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1);

/** How long a signal must stay bad before it condemns: stopped heartbeats already took time. */
export function holdMs(signal: SignalName, settings: HealthSettings, intervalMs: number): number {
  if (signal === 'missed-heartbeats') return 0;
  const beats = settings.condemnAfterBeats;
  return (signal === 'unreachable' ? Math.min(1, beats) : beats) * intervalMs;
}

/** The pool's figures, sorted once per tick; each node is judged against them without itself. */
export interface PoolFigures {
  serverErrors: PeerValues;
  callerErrors: PeerValues;
  saturation: PeerValues;
  lag: PeerValues;
  p99ByModel: Map<string, PeerValues>;
}

/** A rate that says something: over at least `minCalls` calls. */
const judged = (rate: Rate | undefined, minCalls: number) =>
  rate && rate.calls >= minCalls ? rate.value : undefined;

export function poolFigures(nodes: readonly NodeFigures[], settings: HealthSettings): PoolFigures {
  const models = new Map<string, number[]>();
  for (const n of nodes)
    for (const [model, p99] of n.p99ByModel) {
      const list = models.get(model) ?? [];
      list.push(p99);
      models.set(model, list);
    }
  return {
    serverErrors: new PeerValues(nodes.map((n) => judged(n.serverErrors, settings.minCalls))),
    callerErrors: new PeerValues(nodes.map((n) => judged(n.callers.errors, settings.minCalls))),
    saturation: new PeerValues(nodes.map((n) => n.queueSaturation)),
    lag: new PeerValues(nodes.map((n) => n.eventLoopLagMs)),
    p99ByModel: new Map([...models].map(([m, values]) => [m, new PeerValues(values)])),
  };
}

/**
 * Reads every signal of one node against its peers (the rest of the pool, each judged the same
 * way). Peer medians leave the node itself out, so a sick node never lowers the bar it is held to.
 * `hearing` is false while monitoring itself hears nobody: silence is then ours, not the node's.
 */
export function readSignals(
  node: NodeFigures,
  pool: PoolFigures,
  settings: HealthSettings,
  deadAfterMs: number,
  hearing: boolean,
): SignalReadings {
  return {
    'missed-heartbeats': missedHeartbeats(node, deadAfterMs, hearing),
    unreachable: share(node.callers.unreachable, node.callers.gateways, 'callers refused'),
    'circuits-open': share(node.callers.circuitsOpen, node.callers.gateways, 'circuits open'),
    'caller-timeouts': callerTimeouts(node, settings),
    'caller-errors': errorRate(node.callers.errors, pool.callerErrors, settings),
    'server-errors': errorRate(node.serverErrors, pool.serverErrors, settings),
    slow: slow(node, pool, settings),
    'queue-saturated': saturated(node, pool.saturation, settings),
    'event-loop-lag': lag(node, pool.lag, settings),
  };
}

function missedHeartbeats(node: NodeFigures, deadAfterMs: number, hearing: boolean): SignalReading {
  const age = node.heartbeatAgeMs;
  if (!hearing) return { ...UNKNOWN, detail: 'monitoring hears no heartbeats at all' };
  return {
    verdict: age > deadAfterMs ? 'bad' : 'good',
    pressure: clamp01(age / deadAfterMs - 0.5),
    value: Number.isFinite(age) ? Math.round(age) : -1,
    threshold: deadAfterMs,
  };
}

/** Half or more of the gateways that call the node see it refuse, or keep its circuit open. */
function share(count: number, gateways: number, detail: string): SignalReading {
  if (gateways === 0) return UNKNOWN;
  const value = count / gateways;
  return { verdict: value >= 0.5 ? 'bad' : 'good', pressure: value, value, threshold: 0.5, detail };
}

function callerTimeouts(node: NodeFigures, settings: HealthSettings): SignalReading {
  if (node.callers.gateways === 0) return UNKNOWN;
  const value = node.callers.timeouts;
  return {
    verdict: value >= settings.callerTimeouts ? 'bad' : 'good',
    pressure: clamp01(value / (2 * settings.callerTimeouts)),
    value,
    threshold: settings.callerTimeouts,
  };
}

function errorRate(
  own: Rate | undefined,
  pool: PeerValues,
  settings: HealthSettings,
): SignalReading {
  const value = judged(own, settings.minCalls);
  if (value === undefined) return UNKNOWN;
  const peers = pool.peers(value) > 0 ? pool.median(value) : 0;
  const threshold = Math.max(settings.errorRate, peers + settings.errorMargin);
  return {
    verdict: value >= threshold ? 'bad' : 'good',
    pressure: clamp01(value / (2 * threshold)),
    value,
    threshold,
    peers,
    detail: `${own!.calls} calls`,
  };
}

/** The model on which the node is slowest compared with the peers that serve it too. */
function slow(node: NodeFigures, pool: PoolFigures, settings: HealthSettings) {
  let worst: SignalReading = UNKNOWN;
  for (const [model, p99] of node.p99ByModel) {
    const values = pool.p99ByModel.get(model);
    if (!values || values.peers(p99) === 0) continue;
    const peers = values.median(p99);
    const spread = Math.max(values.scaledMad(p99), 0.1 * peers);
    const threshold = Math.max(
      settings.latencyRatio * peers,
      peers + settings.latencySpreads * spread,
      peers + settings.latencyFloorMs,
    );
    const reading: SignalReading = {
      verdict: p99 >= threshold ? 'bad' : 'good',
      pressure: clamp01((p99 - peers) / (2 * (threshold - peers))),
      value: p99,
      threshold,
      peers,
      detail: `p99 of ${model}`,
    };
    if (worst.verdict === 'unknown' || reading.pressure > worst.pressure) worst = reading;
  }
  return worst;
}

function saturated(node: NodeFigures, pool: PeerValues, settings: HealthSettings) {
  const own = node.queueSaturation;
  if (own === undefined) return UNKNOWN;
  const peers = pool.peers(own) > 0 ? pool.median(own) : 0;
  // A pool that is saturated everywhere needs capacity, not an ejection.
  const bad = own >= settings.queueSaturation && peers < 0.5;
  return {
    verdict: bad ? ('bad' as const) : ('good' as const),
    pressure: clamp01(own / (2 * settings.queueSaturation)),
    value: own,
    threshold: settings.queueSaturation,
    peers,
  };
}

function lag(node: NodeFigures, pool: PeerValues, settings: HealthSettings) {
  const own = node.eventLoopLagMs;
  if (own === undefined) return UNKNOWN;
  const peers = pool.peers(own) > 0 ? pool.median(own) : 0;
  const relative = Math.max(250, settings.eventLoopLagRatio * peers);
  const threshold = Math.min(settings.eventLoopLagMs, relative);
  return {
    verdict: own >= threshold ? ('bad' as const) : ('good' as const),
    pressure: clamp01(own / (2 * threshold)),
    value: own,
    threshold,
    peers,
  };
}
