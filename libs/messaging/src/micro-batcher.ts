import { activeContext, withBatchSpan, type TraceContext } from '@keelson/tracing';

/**
 * Groups work that arrives message by message (each message a group of records) into batches per
 * key (dataset): a batch is flushed once it holds `maxSize` records or its oldest group has waited
 * `maxDelayMs`. Each caller's promise settles with its batch, so a message is acked only once its
 * whole batch is durable.
 *
 * When a batch of several groups fails with an error `isolate` accepts (one message's content
 * broke it, not a dependency outage), each group is flushed again on its own: the good messages
 * succeed and only the bad one fails, to be retried and dead-lettered by itself.
 *
 * Each group keeps the trace it was added in: a batch is flushed in a span (`<spanName> <key>`)
 * linked to every group's trace (see withBatchSpan), and a group flushed alone in its own.
 */
export class MicroBatcher<G> {
  private readonly pending = new Map<
    string,
    {
      groups: G[];
      traces: TraceContext[];
      size: number;
      waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
      timer: NodeJS.Timeout;
    }
  >();

  constructor(
    private readonly flush: (key: string, groups: G[]) => Promise<void>,
    private readonly maxSize: number,
    private readonly maxDelayMs: number,
    private readonly isolate: (error: unknown) => boolean = () => false,
    private readonly spanName = 'batch',
  ) {}

  /** Adds a group that counts `size` towards `maxSize`. */
  add(key: string, group: G, size = 1): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = {
          groups: [],
          traces: [],
          size: 0,
          waiters: [],
          timer: setTimeout(() => this.run(key), this.maxDelayMs),
        };
        this.pending.set(key, batch);
      }
      batch.groups.push(group);
      batch.traces.push(activeContext());
      batch.size += size;
      batch.waiters.push({ resolve, reject });
      if (batch.size >= this.maxSize) this.run(key);
    });
  }

  private run(key: string): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    clearTimeout(batch.timer);
    const attributes = { 'keelson.batch.key': key, 'keelson.batch.size': batch.size };
    withBatchSpan(`${this.spanName} ${key}`, batch.traces, attributes, () =>
      this.flush(key, batch.groups),
    ).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (error: unknown) => {
        if (batch.groups.length === 1 || !this.isolate(error))
          return batch.waiters.forEach((w) => w.reject(error));
        // One at a time: a group's own failure must not be mistaken for its neighbour's.
        const alone = { 'keelson.batch.key': key, 'keelson.batch.isolated': true };
        void batch.groups.reduce(
          (previous, group, i) =>
            previous.then(() =>
              withBatchSpan(`${this.spanName} ${key}`, [batch.traces[i]], alone, () =>
                this.flush(key, [group]),
              ).then(batch.waiters[i].resolve, batch.waiters[i].reject),
            ),
          Promise.resolve(),
        );
      },
    );
  }
}
