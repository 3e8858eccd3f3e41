import type { Subscription } from '@nats-io/transport-node';
import { decodeJson, type Messaging } from '@keelson/messaging';
import { GatewayHeartbeat } from '@keelson/schemas';

interface Delta {
  at: number;
  attempts: number;
  failures: number;
}

/** Deltas kept per node: two minutes of gateway heartbeats from a few gateways. */
const KEEP = 512;

/**
 * What the gateways see of each node (from their heartbeats, as they are sent): attempts answered
 * and failed by the node per heartbeat. A node on probation fails it when its callers see it fail,
 * which its own readiness cannot show.
 */
export class CallerView {
  private readonly deltas = new Map<string, Delta[]>();
  private readonly previous = new Map<
    string,
    { startedAt: string; ok: number; failures: number }
  >();
  private subscription?: Subscription;

  constructor(private readonly messaging: Messaging) {}

  start(): void {
    this.subscription = this.messaging.nc.subscribe('telemetry.gateway.*', {
      callback: (error, msg) => {
        if (!error) this.apply(msg.data, Date.now());
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  apply(bytes: Uint8Array, now: number): void {
    const decoded = decodeJson(bytes);
    const checked = decoded.ok ? GatewayHeartbeat.validate(decoded.value) : undefined;
    if (!checked?.ok) return;
    const beat = checked.value.data;
    for (const view of beat.nodes) {
      const key = `${beat.gatewayId}\u0000${view.nodeId}`;
      const before = this.previous.get(key);
      const { ok, nodeFailures } = view.attempts;
      this.previous.set(key, { startedAt: beat.startedAt, ok, failures: nodeFailures });
      if (!before || before.startedAt !== beat.startedAt || ok < before.ok) continue;
      const delta = {
        at: now,
        attempts: ok - before.ok + (nodeFailures - before.failures),
        failures: nodeFailures - before.failures,
      };
      const list = this.deltas.get(view.nodeId) ?? [];
      list.push(delta);
      if (list.length > KEEP) list.shift();
      this.deltas.set(view.nodeId, list);
    }
  }

  /** Attempts and node failures the gateways saw of a node since `sinceMs`. */
  since(nodeId: string, sinceMs: number): { attempts: number; failures: number } {
    let attempts = 0;
    let failures = 0;
    for (const d of this.deltas.get(nodeId) ?? [])
      if (d.at >= sinceMs) {
        attempts += d.attempts;
        failures += d.failures;
      }
    return { attempts, failures };
  }
}
