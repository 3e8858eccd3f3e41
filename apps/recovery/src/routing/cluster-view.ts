import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { Messaging } from '@keelson/messaging';
import {
  encodeBucketValue,
  readNodeRegistration,
  readRoutingValue,
  RoutingValue,
  type NodeRegistration,
} from '@keelson/schemas';

export interface RoutingEntry {
  value: RoutingValue;
  revision: number;
}

/**
 * The `nodes` and `routing` buckets as recovery sees them: who is registered (and where), and
 * each node's routing entry with its revision, for compare-and-set writes. Malformed entries are
 * reported and skipped; a node with a malformed routing entry is treated as having none.
 */
export class ClusterView {
  readonly nodes = new Map<string, NodeRegistration>();
  readonly routing = new Map<string, RoutingEntry>();
  private routingKv?: KV;
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly messaging: Messaging,
    private readonly onInvalid: (bucket: string, key: string, error: string) => void,
  ) {}

  async start(): Promise<void> {
    const kvm = new Kvm(this.messaging.js);
    const [nodes, routing] = await Promise.all([kvm.open('nodes'), kvm.open('routing')]);
    this.routingKv = routing;
    await Promise.all([
      this.follow(nodes, (e) => this.onNode(e)),
      this.follow(routing, (e) => this.onRouting(e)),
    ]);
  }

  stop(): void {
    for (const stop of this.stops) stop();
  }

  /**
   * Writes a node's routing entry if it is still at `revision` (0: there was none); false when
   * someone else changed it first (an operator, another leader): the caller re-plans next tick.
   */
  async write(nodeId: string, value: RoutingValue, revision: number): Promise<boolean> {
    const encoded = encodeBucketValue(RoutingValue, value);
    try {
      const next =
        revision > 0
          ? await this.routingKv!.update(nodeId, encoded, revision)
          : await this.routingKv!.create(nodeId, encoded);
      this.routing.set(nodeId, { value, revision: next });
      return true;
    } catch (error) {
      if (/wrong last sequence|key exists|10071/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  private async follow(kv: KV, apply: (entry: KvWatchEntry) => void): Promise<void> {
    const watch = await kv.watch();
    this.stops.push(() => watch.stop());
    let done!: () => void;
    const caughtUp = new Promise<void>((resolve) => (done = resolve));
    void (async () => {
      for await (const entry of watch) {
        apply(entry);
        if (entry.isUpdate || entry.delta === 0) done();
      }
    })();
    if ((await kv.status()).values === 0) done();
    await caughtUp;
  }

  private onNode(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.nodes.delete(entry.key);
      return;
    }
    const read = readNodeRegistration(entry.value);
    if (read.ok) this.nodes.set(entry.key, read.value);
    else this.onInvalid('nodes', entry.key, read.error);
  }

  private onRouting(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      // A deleted entry still has a revision: the next write must compare against it.
      this.routing.delete(entry.key);
      this.tombstones.set(entry.key, entry.revision);
      return;
    }
    const read = readRoutingValue(entry.value);
    if (read.ok) this.routing.set(entry.key, { value: read.value, revision: entry.revision });
    else {
      this.routing.delete(entry.key);
      this.tombstones.set(entry.key, entry.revision);
      this.onInvalid('routing', entry.key, read.error);
    }
  }

  /** Revisions of deleted or malformed routing entries: an update, not a create, replaces them. */
  readonly tombstones = new Map<string, number>();

  /** The revision a write to the node's entry must compare against. */
  revisionOf(nodeId: string): number {
    return this.routing.get(nodeId)?.revision ?? this.tombstones.get(nodeId) ?? 0;
  }
}
