import { GatewayHeartbeat, NodeHeartbeat, type EventData } from '@keelson/schemas';

/**
 * An EventPublisher, by shape: @keelson/messaging's own tests use this lib, so it cannot import
 * that one back.
 */
export interface HeartbeatPublisher {
  publish(
    definition: typeof NodeHeartbeat | typeof GatewayHeartbeat,
    data: unknown,
    options: { subject: string },
  ): Promise<unknown>;
}

type NodeBeat = EventData<typeof NodeHeartbeat>;
type GatewayBeat = EventData<typeof GatewayHeartbeat>;

/** How a simulated node behaves, beat after beat, until told otherwise. */
export interface SimulatedBehaviour {
  /** Sends no heartbeat (killed or frozen). */
  silent?: boolean;
  /** Calls per heartbeat. */
  calls?: number;
  serverErrorRate?: number;
  p99?: number;
  /** Attempts the gateway saw time out per beat (a hung node that still heartbeats). */
  timeouts?: number;
  circuit?: 'closed' | 'open';
  /** Requests waiting in its queue (capacity 512). */
  queueDepth?: number;
}

/**
 * Prediction nodes and a gateway that exist only as heartbeats on the real NATS server, with
 * counters that grow as real ones do: monitoring's scoring runs end to end at any scale (the
 * monitoring benchmark's 200 nodes) without onnxruntime. The e2e suites use real node processes.
 */
export class SimulatedPool {
  private readonly counters = new Map<string, { ok: number; server: number; timeouts: number }>();
  private readonly startedAt = new Date().toISOString();
  private readonly behaviour = new Map<string, SimulatedBehaviour>();
  private readonly traffic = { requests: 0, server: 0 };
  private timer?: NodeJS.Timeout;
  private beating = false;
  /** The gateway's per-model traffic for SLOs: the share of requests that fail. */
  gatewayErrorRate = 0;
  /** Heartbeats that could not be published (NATS refused them). */
  failures = 0;

  constructor(
    private readonly publisher: HeartbeatPublisher,
    readonly nodeIds: string[],
    readonly model: string,
    readonly intervalMs = 200,
  ) {
    for (const id of nodeIds) this.counters.set(id, { ok: 0, server: 0, timeouts: 0 });
  }

  set(nodeId: string, behaviour: SimulatedBehaviour): void {
    this.behaviour.set(nodeId, behaviour);
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round: every node's heartbeat, then the gateway's. */
  async beat(): Promise<void> {
    if (this.beating) return; // a slow round never overlaps the next
    this.beating = true;
    try {
      const sentAt = new Date().toISOString();
      const views: GatewayBeat['nodes'] = [];
      const beats: Array<Promise<unknown>> = [];
      for (const nodeId of this.nodeIds) {
        const b = {
          calls: 40,
          serverErrorRate: 0,
          p99: 3,
          timeouts: 0,
          ...this.behaviour.get(nodeId),
        };
        const c = this.counters.get(nodeId)!;
        const server = Math.round(b.calls * b.serverErrorRate);
        c.ok += b.calls - server;
        c.server += server;
        c.timeouts += b.timeouts;
        views.push({
          nodeId,
          outstanding: b.timeouts,
          attempts: {
            ok: c.ok,
            nodeFailures: c.server + c.timeouts,
            timeouts: c.timeouts,
            other: 0,
          },
          latencyMs: { count: b.calls, p50: 1, p95: 2, p99: b.p99 },
          circuit: b.circuit ?? 'closed',
          reachable: true,
          routable: (b.circuit ?? 'closed') === 'closed',
        });
        if (!b.silent)
          beats.push(
            this.publisher.publish(NodeHeartbeat, this.nodeBeat(nodeId, b, c, sentAt), {
              subject: nodeId,
            }),
          );
      }
      const results = await Promise.allSettled([...beats, this.gatewayBeat(views, sentAt)]);
      this.failures += results.filter((r) => r.status === 'rejected').length;
    } finally {
      this.beating = false;
    }
  }

  private gatewayBeat(nodes: GatewayBeat['nodes'], sentAt: string) {
    const t = this.traffic;
    t.requests += 100;
    t.server += Math.round(100 * this.gatewayErrorRate);
    const gatewayId = `${this.nodeIds[0]}_gw`;
    return this.publisher.publish(
      GatewayHeartbeat,
      {
        gatewayId,
        startedAt: this.startedAt,
        sentAt,
        intervalMs: this.intervalMs,
        requests: t.requests,
        errors: t.server,
        retries: 0,
        hedges: 0,
        latencyMs: { count: 100, p50: 1, p95: 2, p99: 3 },
        openCircuits: [],
        nodes,
        models: [
          {
            model: this.model,
            requests: t.requests,
            serverErrors: t.server,
            clientErrors: 0,
            // Every request fast: the latency SLO holds while availability burns.
            latencyBuckets: Array(14).fill(t.requests),
          },
        ],
      },
      { subject: gatewayId },
    );
  }

  private nodeBeat(
    nodeId: string,
    b: { calls: number; p99: number; queueDepth?: number },
    c: { ok: number; server: number },
    sentAt: string,
  ): NodeBeat {
    const calls = { ok: c.ok, clientErrors: 0, serverErrors: c.server, overloaded: 0 };
    const latency = { count: b.calls, p50: b.p99 / 3, p95: b.p99 / 2, p99: b.p99 };
    return {
      nodeId,
      addresses: { http: 'http://127.0.0.1:1', grpc: '127.0.0.1:2' },
      startedAt: this.startedAt,
      sentAt,
      intervalMs: this.intervalMs,
      inFlight: 0,
      queueDepth: b.queueDepth ?? 0,
      queueCapacity: 512,
      requests: c.ok + c.server,
      calls,
      latencyMs: latency,
      failedLatencyMs: { count: 0, p50: 0, p95: 0, p99: 0 },
      eventLoopLagMs: 5,
      models: [
        {
          name: this.model,
          version: 1,
          ready: true,
          calls,
          latencyMs: latency,
          queueDepth: b.queueDepth ?? 0,
          queueCapacity: 512,
          inFlight: 0,
        },
      ],
      samples: { published: 0, dropped: 0 },
    };
  }
}
