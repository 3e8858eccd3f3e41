import type { GatewayBeat, NodeBeat } from './node-tracker';
import { PoolHealth, type HealthTransition } from './pool-health';

/** How a simulated node behaves in one second. */
interface Behaviour {
  alive: boolean;
  calls: number;
  serverErrorRate: number;
  clientErrorRate: number;
  p99: number;
  /** What the gateway sees. */
  circuit: 'closed' | 'open';
  timeouts: number;
  /** Whether callers can connect (a frozen process still accepts connections). */
  reachable?: boolean;
}

const normal = (): Behaviour => ({
  alive: true,
  calls: 200,
  serverErrorRate: 0,
  clientErrorRate: 0,
  p99: 4,
  circuit: 'closed',
  timeouts: 0,
});

/**
 * Three (or more) nodes heartbeating every second with monotonic counters, one gateway reporting
 * its view of them, and PoolHealth evaluated twice a second: the monitoring service's loop on
 * plain data.
 */
class Simulation {
  readonly health = new PoolHealth();
  readonly transitions: Array<HealthTransition & { at: number }> = [];
  now = 0;
  private readonly counters = new Map<string, { ok: number; client: number; server: number }>();
  private readonly attempts = new Map<string, { ok: number; fail: number; timeouts: number }>();
  private readonly startedAt = new Map<string, string>();

  constructor(
    readonly ids: string[],
    private readonly behaviour: (id: string, second: number) => Behaviour,
  ) {
    for (const id of ids) this.restart(id);
  }

  restart(id: string): void {
    this.counters.set(id, { ok: 0, client: 0, server: 0 });
    this.startedAt.set(id, new Date(this.now + 1).toISOString());
  }

  run(untilMs: number): void {
    for (; this.now < untilMs; this.now += 500) {
      if (this.now % 1_000 === 0) this.second(this.now / 1_000);
      for (const t of this.health.evaluate(this.now).transitions)
        this.transitions.push({ ...t, at: this.now });
    }
  }

  stateOf(id: string) {
    return this.health.evaluate(this.now).nodes.find((n) => n.nodeId === id);
  }

  private second(second: number): void {
    const views: GatewayBeat['nodes'] = [];
    for (const id of this.ids) {
      const b = this.behaviour(id, second);
      const c = this.counters.get(id)!;
      const server = Math.round(b.calls * b.serverErrorRate);
      const client = Math.round(b.calls * b.clientErrorRate);
      c.ok += b.calls - server - client;
      c.server += server;
      c.client += client;
      const a = this.attempts.get(id) ?? { ok: 0, fail: 0, timeouts: 0 };
      a.ok += b.calls - server;
      a.fail += server + b.timeouts;
      a.timeouts += b.timeouts;
      this.attempts.set(id, a);
      views.push({
        nodeId: id,
        outstanding: 0,
        attempts: { ok: a.ok, nodeFailures: a.fail, timeouts: a.timeouts, other: 0 },
        latencyMs: { count: b.calls, p50: 1, p95: 2, p99: b.p99 },
        circuit: b.circuit,
        reachable: b.reachable ?? b.alive,
        routable: b.circuit === 'closed',
      });
      if (!b.alive) continue;
      this.health.nodeHeartbeat(this.beat(id, b, c), this.now);
    }
    this.health.gatewayHeartbeat(this.gatewayBeat(views), this.now);
  }

  /** A heartbeat of a node as it would send one now. */
  beatOf(id: string): NodeBeat {
    return this.beat(id, normal(), this.counters.get(id)!);
  }

  private beat(id: string, b: Behaviour, c: { ok: number; client: number; server: number }) {
    const calls = { ok: c.ok, clientErrors: c.client, serverErrors: c.server, overloaded: 0 };
    const latency = { count: b.calls, p50: b.p99 / 3, p95: b.p99 / 1.5, p99: b.p99 };
    const beat: NodeBeat = {
      nodeId: id,
      addresses: { http: `http://${id}`, grpc: `${id}:1` },
      startedAt: this.startedAt.get(id)!,
      sentAt: new Date(this.now).toISOString(),
      intervalMs: 1_000,
      inFlight: 1,
      queueDepth: 0,
      queueCapacity: 512,
      requests: c.ok + c.client + c.server,
      calls,
      latencyMs: latency,
      failedLatencyMs: { count: 0, p50: 0, p95: 0, p99: 0 },
      eventLoopLagMs: 12,
      models: [
        {
          name: 'credit',
          version: 1,
          ready: true,
          calls,
          latencyMs: latency,
          queueDepth: 0,
          queueCapacity: 512,
          inFlight: 1,
        },
      ],
      samples: { published: 0, dropped: 0 },
    };
    return beat;
  }

  private gatewayBeat(nodes: GatewayBeat['nodes']): GatewayBeat {
    return {
      gatewayId: 'gw1',
      startedAt: new Date(0).toISOString(),
      sentAt: new Date(this.now).toISOString(),
      intervalMs: 1_000,
      requests: 0,
      errors: 0,
      retries: 0,
      hedges: 0,
      latencyMs: { count: 0, p50: 0, p95: 0, p99: 0 },
      openCircuits: [],
      nodes,
      models: [],
    };
  }
}

const after =
  (from: number, fault: (b: Behaviour) => Partial<Behaviour>, until = Infinity) =>
  (id: string, second: number): Behaviour =>
    id === 'b' && second >= from && second < until ? { ...normal(), ...fault(normal()) } : normal();

describe('PoolHealth', () => {
  it('raises nothing about a healthy pool', () => {
    const sim = new Simulation(['a', 'b', 'c'], () => normal());
    sim.run(120_000);
    expect(sim.transitions).toEqual([]);
    expect(sim.stateOf('a')).toMatchObject({ state: 'healthy', reasons: [] });
    expect(sim.stateOf('a')!.score).toBeGreaterThan(0.9);
  });

  it('condemns a killed node within 3 s, and clears it once it heartbeats again', () => {
    const sim = new Simulation(['a', 'b', 'c'], (id, s) =>
      id === 'b' && s >= 20 && s < 40 ? { ...normal(), alive: false } : normal(),
    );
    sim.run(19_600); // the last heartbeat before the kill was at 19 s
    sim.run(40_000);
    const condemned = sim.transitions.find((t) => t.to === 'unhealthy');
    // Its callers' refused connections tell first; its silence would have within 2.5 s.
    expect(condemned).toMatchObject({ nodeId: 'b', reasons: ['unreachable'] });
    expect(condemned!.at - 19_000).toBeLessThanOrEqual(3_000);
    sim.restart('b');
    sim.run(60_000);
    const cleared = sim.transitions.find((t) => t.to === 'healthy');
    expect(cleared).toMatchObject({ nodeId: 'b' });
    expect(cleared!.at - 40_000).toBeGreaterThanOrEqual(5_000); // hysteresis on the way back
    expect(sim.transitions.filter((t) => t.nodeId !== 'b')).toEqual([]);
  });

  it('condemns a frozen node on its silence within 3 s of its last heartbeat', () => {
    const sim = new Simulation(['a', 'b', 'c'], (id, s) =>
      id === 'b' && s >= 20 ? { ...normal(), alive: false, reachable: true, calls: 0 } : normal(),
    );
    sim.run(40_000);
    const [condemned] = sim.transitions;
    expect(condemned).toMatchObject({
      nodeId: 'b',
      to: 'unhealthy',
      reasons: ['missed-heartbeats'],
    });
    expect(condemned.at - 19_000).toBeLessThanOrEqual(3_000);
    expect(condemned.at - 19_000).toBeGreaterThan(2_000); // two missed beats, not one
  });

  it('condemns a node serving 20% server errors within 5 s, and only that node', () => {
    const sim = new Simulation(
      ['a', 'b', 'c'],
      after(30, () => ({ serverErrorRate: 0.2 })),
    );
    sim.run(60_000);
    const [condemned] = sim.transitions;
    expect(condemned).toMatchObject({ nodeId: 'b', to: 'unhealthy' });
    expect(condemned.reasons).toEqual(expect.arrayContaining(['server-errors', 'caller-errors']));
    expect(condemned.at - 30_000).toBeLessThanOrEqual(5_000);
    expect(condemned.health!.signals['server-errors']).toMatchObject({ value: 0.2 });
    expect(sim.transitions).toHaveLength(1);
  });

  it("never blames a node for its callers' mistakes", () => {
    const sim = new Simulation(
      ['a', 'b', 'c'],
      after(10, () => ({ clientErrorRate: 0.6 })),
    );
    sim.run(60_000);
    expect(sim.transitions).toEqual([]);
  });

  it('condemns a node 5x slower than its peers within 10 s; one slow second condemns nobody', () => {
    const blip = new Simulation(
      ['a', 'b', 'c'],
      after(30, () => ({ p99: 40 }), 31),
    );
    blip.run(60_000);
    expect(blip.transitions).toEqual([]);

    const slow = new Simulation(
      ['a', 'b', 'c'],
      after(30, () => ({ p99: 20 })),
    );
    slow.run(60_000);
    const [condemned] = slow.transitions;
    expect(condemned).toMatchObject({ nodeId: 'b', to: 'unhealthy', reasons: ['slow'] });
    expect(condemned.at - 30_000).toBeLessThanOrEqual(10_000);
    expect(condemned.health!.signals.slow).toMatchObject({ value: 20, peers: 4 });
  });

  it("condemns a hung node that still heartbeats, on its callers' timeouts and open circuits", () => {
    const sim = new Simulation(
      ['a', 'b', 'c'],
      after(30, () => ({ calls: 0, timeouts: 8, circuit: 'open' })),
    );
    sim.run(60_000);
    const [condemned] = sim.transitions;
    expect(condemned).toMatchObject({ nodeId: 'b', to: 'unhealthy' });
    expect(condemned.reasons).toEqual(expect.arrayContaining(['caller-timeouts', 'circuits-open']));
    expect(condemned.at - 30_000).toBeLessThanOrEqual(5_000);
  });

  it('blames nobody when monitoring itself hears nothing', () => {
    const sim = new Simulation(['a', 'b'], () => normal());
    sim.run(10_000);
    const health = sim.health;
    // Nobody heartbeats from now on: monitoring is the one cut off.
    for (let t = 10_000; t < 30_000; t += 500) expect(health.evaluate(t).transitions).toEqual([]);
    expect(health.evaluate(30_000).nodes[0].signals['missed-heartbeats'].verdict).toBe('unknown');
  });

  it('keeps a node seeded as unhealthy until traffic proves it well', () => {
    const sim = new Simulation(['a', 'b', 'c'], (id, s) =>
      id === 'b' && s < 30 ? { ...normal(), calls: 0 } : normal(),
    );
    sim.health.seed('b', ['server-errors'], 0);
    sim.run(29_000);
    expect(sim.transitions).toEqual([]); // no traffic: nothing proves it well, nothing re-fires
    expect(sim.stateOf('b')).toMatchObject({ state: 'unhealthy', reasons: [] });
    sim.run(45_000);
    expect(sim.transitions).toEqual([
      expect.objectContaining({ nodeId: 'b', to: 'healthy', reasons: ['server-errors'] }),
    ]);
  });

  it('ignores heartbeats that are old on arrival, and forgets a node that left cleanly', () => {
    const health = new PoolHealth();
    const sim = new Simulation(['a'], () => normal());
    const beat = sim.beatOf('a');
    expect(health.nodeHeartbeat(beat, Date.parse(beat.sentAt) + 60_000)).toBe(false);
    expect(health.nodeHeartbeat(beat, Date.parse(beat.sentAt) + 100)).toBe(true);
    health.forget('a');
    expect(health.evaluate(5_000).transitions).toEqual([{ nodeId: 'a', to: 'gone', reasons: [] }]);
  });

  it('treats a restart as a new baseline, never as negative calls', () => {
    const sim = new Simulation(['a', 'b', 'c'], () => normal());
    sim.run(10_000);
    sim.restart('b');
    sim.run(12_000);
    const b = sim.stateOf('b')!;
    expect(b.figures.serverErrors?.value ?? 0).toBeGreaterThanOrEqual(0);
    expect(b.state).toBe('healthy');
  });
});
