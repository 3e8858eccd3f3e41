import { Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { Messaging } from '@keelson/messaging';

export type RoutingState = 'active' | 'ejected' | 'probation';

/**
 * This node's entry in the `routing` bucket, written by recovery (and operators). An `ejected`
 * node keeps serving what reaches it but fails its readiness probes, so Kubernetes and the gateway
 * stop sending it traffic. No entry means active.
 */
export class RoutingWatcher {
  private current: RoutingState = 'active';
  private reason = '';
  private stopWatch?: () => void;

  constructor(
    private readonly messaging: Messaging,
    private readonly nodeId: string,
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

  private apply(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT' || entry.value.length === 0) {
      this.current = 'active';
      this.reason = '';
      return;
    }
    const value = entry.json<{ state?: RoutingState; reason?: string }>();
    this.current =
      value.state === 'ejected' || value.state === 'probation' ? value.state : 'active';
    this.reason = value.reason ?? '';
  }

  stop(): void {
    this.stopWatch?.();
  }
}
