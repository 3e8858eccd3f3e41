/**
 * Groups items that arrive one by one (JetStream messages) into batches per key (dataset): a batch
 * is flushed when it holds `maxItems` or its oldest item has waited `maxDelayMs`. Each caller's
 * promise settles with its batch, so a message is acked only once its whole batch is durable.
 */
export class MicroBatcher<T> {
  private readonly pending = new Map<
    string,
    {
      items: T[];
      waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
      timer: NodeJS.Timeout;
    }
  >();

  constructor(
    private readonly flush: (key: string, items: T[]) => Promise<void>,
    private readonly maxItems: number,
    private readonly maxDelayMs: number,
  ) {}

  add(key: string, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = { items: [], waiters: [], timer: setTimeout(() => this.run(key), this.maxDelayMs) };
        this.pending.set(key, batch);
      }
      batch.items.push(item);
      batch.waiters.push({ resolve, reject });
      if (batch.items.length >= this.maxItems) this.run(key);
    });
  }

  private run(key: string): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    clearTimeout(batch.timer);
    this.flush(key, batch.items).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (error: unknown) => batch.waiters.forEach((w) => w.reject(error)),
    );
  }
}
