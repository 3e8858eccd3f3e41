import type { TrackedNode } from './node-tracker';

/** A rate and the number of calls it is over (a rate of three calls says little). */
export interface Rate {
  value: number;
  calls: number;
}

/** The figures one node is judged by, taken from its latest heartbeat and its callers' views. */
export interface NodeFigures {
  nodeId: string;
  heartbeatAgeMs: number;
  /** The node's own heartbeat is current: its call figures describe now. */
  fresh: boolean;
  callsPerSecond?: number;
  serverErrors?: Rate;
  overloaded?: Rate;
  eventLoopLagMs?: number;
  /** Highest queue depth over capacity among its model versions. */
  queueSaturation?: number;
  p99ByModel: Map<string, number>;
  callers: {
    gateways: number;
    circuitsOpen: number;
    unreachable: number;
    outstanding: number;
    errors?: Rate;
    timeouts: number;
  };
}

export function nodeFigures(node: TrackedNode, now: number, deadAfterMs: number): NodeFigures {
  const age = now - node.lastHeardAt;
  const fresh = age <= deadAfterMs;
  const figures: NodeFigures = {
    nodeId: node.nodeId,
    heartbeatAgeMs: age,
    fresh,
    p99ByModel: fresh ? node.p99ByModel(now) : new Map(),
    callers: callerFigures(node, now),
  };
  const w = node.window;
  if (fresh && w) {
    const judged = w.ok + w.serverErrors;
    const all = judged + w.clientErrors + w.overloaded;
    figures.serverErrors = { value: judged > 0 ? w.serverErrors / judged : 0, calls: judged };
    figures.overloaded = { value: all > 0 ? w.overloaded / all : 0, calls: all };
    if (w.spanMs > 0) figures.callsPerSecond = (all * 1_000) / w.spanMs;
  }
  if (fresh) {
    figures.eventLoopLagMs = node.eventLoopLagMs;
    figures.queueSaturation = node.queueSaturation;
  }
  return figures;
}

function callerFigures(node: TrackedNode, now: number): NodeFigures['callers'] {
  const callers = node.currentCallers(now);
  let ok = 0;
  let failures = 0;
  let timeouts = 0;
  let windows = 0;
  for (const c of callers) {
    if (!c.window) continue;
    windows++;
    ok += c.window.ok;
    failures += c.window.nodeFailures;
    timeouts += c.window.timeouts;
  }
  const attempts = ok + failures;
  return {
    gateways: callers.length,
    circuitsOpen: callers.filter((c) => c.circuit !== 'closed').length,
    unreachable: callers.filter((c) => !c.reachable).length,
    outstanding: callers.reduce((n, c) => n + c.outstanding, 0),
    ...(windows > 0 && {
      errors: { value: attempts > 0 ? failures / attempts : 0, calls: attempts },
    }),
    timeouts,
  };
}
