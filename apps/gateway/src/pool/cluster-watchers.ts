import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { Subscription } from '@nats-io/transport-node';
import { decodeJson, type Messaging } from '@keelson/messaging';
import {
  NodeHeartbeat,
  readModelPointers,
  readNodeRegistration,
  readRoutingValue,
} from '@keelson/schemas';
import type { Logger } from '@keelson/tracing';
import type { ModelVersions } from '../routing/model-versions';
import type { NodePool } from './node-pool';

const BUCKETS = ['nodes', 'routing', 'models'] as const;
type Bucket = (typeof BUCKETS)[number];

/**
 * The NATS side of the pool: watches the `nodes`, `routing` and `models` buckets and listens to
 * node heartbeats (`telemetry.node.*`, core NATS). KV watches are ordered, ephemeral consumers and
 * the heartbeat subscription is plain NATS, so the gateway holds no durable state on the server
 * and any number of gateways can run. Bad entries are logged and skipped, never fatal.
 */
export class ClusterWatchers {
  private readonly stops: Array<() => void> = [];
  private readonly caughtUp = new Set<Bucket>();
  private heartbeats?: Subscription;

  constructor(
    private readonly messaging: Messaging,
    private readonly pool: NodePool,
    private readonly versions: ModelVersions,
    private readonly nodeIdPrefix: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once every bucket's current entries have been applied. */
  async start(): Promise<void> {
    const kvm = new Kvm(this.messaging.js);
    const [nodes, routing, models] = await Promise.all(BUCKETS.map((b) => kvm.open(b)));
    this.heartbeats = this.messaging.nc.subscribe('telemetry.node.*', {
      callback: (error, msg) => {
        if (!error) this.onHeartbeat(msg.data);
      },
    });
    await Promise.all([
      this.follow('nodes', nodes, (e) => this.onNode(e)),
      this.follow('routing', routing, (e) => this.onRouting(e)),
      this.follow('models', models, (e) => this.onModel(e)),
    ]);
  }

  /** Every watch has delivered the bucket's state as it was at start. */
  get ready(): boolean {
    return this.caughtUp.size === BUCKETS.length;
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.heartbeats?.unsubscribe();
  }

  private async follow(
    bucket: Bucket,
    kv: KV,
    apply: (entry: KvWatchEntry) => void,
  ): Promise<void> {
    const watch = await kv.watch(); // the last value of every key, then each change
    this.stops.push(() => watch.stop());
    let done!: () => void;
    const caughtUp = new Promise<void>((resolve) => (done = resolve));
    const mark = () => {
      this.caughtUp.add(bucket);
      done();
    };
    void (async () => {
      for await (const entry of watch) {
        try {
          apply(entry);
        } catch (error) {
          this.logger.warn(
            { bucket, key: entry.key, err: (error as Error).message },
            'skipped a bad entry',
          );
        }
        if (entry.isUpdate || entry.delta === 0) mark();
      }
    })();
    // An empty bucket delivers nothing: the watch is caught up at once.
    if ((await kv.status()).values === 0) mark();
    await caughtUp;
  }

  private onNode(entry: KvWatchEntry): void {
    if (!entry.key.startsWith(this.nodeIdPrefix)) return;
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.pool.remove(entry.key);
      return;
    }
    const read = readNodeRegistration(entry.value);
    if (!read.ok) throw new Error(read.error);
    if (read.value.nodeId !== entry.key)
      throw new Error(`the entry of ${entry.key} names node ${read.value.nodeId}`);
    this.pool.upsert(read.value);
  }

  private onRouting(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.pool.setRouting(entry.key, undefined);
      return;
    }
    const read = readRoutingValue(entry.value);
    if (!read.ok) throw new Error(read.error); // logged and skipped: the node keeps its state
    this.pool.setRouting(entry.key, { state: read.value.state, weight: read.value.weight });
  }

  private onModel(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.versions.set(entry.key, undefined);
      return;
    }
    const read = readModelPointers(entry.value);
    if (!read.ok) throw new Error(read.error);
    const { production, canary, canaryWeight } = read.value;
    this.versions.set(entry.key, { production, canary, canaryWeight });
  }

  /** A heartbeat keeps a known node fresh and refreshes its versions between bucket writes. */
  private onHeartbeat(data: Uint8Array): void {
    const decoded = decodeJson(data);
    if (!decoded.ok) return;
    const checked = NodeHeartbeat.validate(decoded.value);
    if (!checked.ok) return;
    this.pool.seen(checked.value.data.nodeId, checked.value.data.models);
  }
}
