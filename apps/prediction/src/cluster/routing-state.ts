import { Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { Messaging } from '@keelson/messaging';
import { readRoutingValue, type RoutingState } from '@keelson/schemas';

export type { RoutingState };

/**
 * This node's entry in the `routing` bucket, written by recovery (and operators through it). An
 * `ejected` node keeps serving what reaches it but fails its readiness probes, so Kubernetes and
 * the gateway stop sending it traffic. No entry means active. A malformed entry is logged and
 * ignored (the node keeps its current state): it must never stop the node.
 */
export class RoutingWatcher {
  private current: RoutingState = 'active';
  private reason = '';
  private stopWatch?: () => void;

  constructor(
    private readonly messaging: Messaging,
    private readonly nodeId: string,
    private readonly onInvalid: (error: string) => void = () => undefined,
  ) {}

  get state(): RoutingState {
    return this.current;
  }

  get why(): string {
    return this.reason;
  }

  async start(): Promise<void> {
    const kv = await new Kvm(this.messaging.js).open('routing');
    const watch = await kv.watch({ key: this.nodeId });
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) this.apply(entry);
    })();
  }

  /** Applies one change of the entry; exported for tests through the class. */
  apply(entry: Pick<KvWatchEntry, 'operation' | 'value'>): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.current = 'active';
      this.reason = '';
      return;
    }
    const read = readRoutingValue(entry.value);
    if (!read.ok) {
      this.onInvalid(read.error);
      return;
    }
    this.current = read.value.state;
    this.reason = read.value.reason;
  }

  stop(): void {
    this.stopWatch?.();
  }
}
