import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import {
  readModelPointers,
  readNodeRegistration,
  readRoutingValue,
  type BucketRead,
  type ModelPointersValue,
  type NodeRegistration,
  type RoutingValue,
} from '@keelson/schemas';

/**
 * The `nodes`, `routing` and `models` buckets as the console shows them, kept in memory by KV
 * watches (ordered, ephemeral consumers: the last value of every key, then each change), so a page
 * polling every second costs no reads of NATS. A malformed entry is logged and left out.
 */
@Injectable()
export class ConsoleBuckets implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('console');
  readonly nodes = new Map<string, NodeRegistration>();
  readonly routing = new Map<string, RoutingValue>();
  readonly models = new Map<string, ModelPointersValue>();
  private readonly stops: Array<() => void> = [];

  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  async onModuleInit(): Promise<void> {
    const kvm = new Kvm(this.messaging.js);
    await Promise.all([
      this.follow(kvm, 'nodes', this.nodes, readNodeRegistration),
      this.follow(kvm, 'routing', this.routing, readRoutingValue),
      this.follow(kvm, 'models', this.models, readModelPointers),
    ]);
  }

  onApplicationShutdown(): void {
    for (const stop of this.stops) stop();
  }

  private async follow<T>(
    kvm: Kvm,
    bucket: string,
    into: Map<string, T>,
    read: (bytes: Uint8Array) => BucketRead<T>,
  ): Promise<void> {
    const watch = await (await kvm.open(bucket)).watch();
    this.stops.push(() => watch.stop());
    void (async () => {
      for await (const entry of watch) this.apply(bucket, into, read, entry);
    })();
  }

  private apply<T>(
    bucket: string,
    into: Map<string, T>,
    read: (bytes: Uint8Array) => BucketRead<T>,
    entry: KvWatchEntry,
  ): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      into.delete(entry.key);
      return;
    }
    const parsed = read(entry.value);
    if (parsed.ok) into.set(entry.key, parsed.value);
    else {
      into.delete(entry.key);
      this.logger.warn(`${bucket} ${entry.key}: ${parsed.error}`);
    }
  }
}
