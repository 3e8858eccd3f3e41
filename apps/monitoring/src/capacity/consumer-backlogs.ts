/** What JetStream's consumer info says of a durable consumer's backlog. */
export interface BacklogReading {
  num_pending: number;
  num_ack_pending: number;
}

interface Backlog {
  stream: string;
  consumer: string;
  pending: number;
  ackPending: number;
  seenAt: number;
}

type Sample = { labels: { stream: string; consumer: string }; value: number };

/**
 * The latest backlog of each durable consumer, behind the `keelson_monitoring_consumer_pending`
 * and `_ack_pending` gauges. It is set from the consumer info the capacity poll reads anyway (the
 * gauges cost JetStream nothing), and a consumer unread for as long as its forecast is kept (one
 * deleted, or its stream gone) is forgotten with it, so its series leave /metrics.
 */
export class ConsumerBacklogs {
  private readonly latest = new Map<string, Backlog>();

  observe(stream: string, consumer: string, reading: BacklogReading, now: number): void {
    this.latest.set(`${stream}/${consumer}`, {
      stream,
      consumer,
      pending: reading.num_pending,
      ackPending: reading.num_ack_pending,
      seenAt: now,
    });
  }

  /** Drops the consumers not read within `silenceMs` of `now`. */
  forgetSilent(now: number, silenceMs: number): void {
    for (const [key, b] of this.latest) if (now - b.seenAt > silenceMs) this.latest.delete(key);
  }

  /** Messages not yet delivered to the consumer, per consumer. */
  pending(): Sample[] {
    return this.samples((b) => b.pending);
  }

  /** Messages delivered and not yet acknowledged, per consumer. */
  ackPending(): Sample[] {
    return this.samples((b) => b.ackPending);
  }

  private samples(value: (b: Backlog) => number): Sample[] {
    return [...this.latest.values()].map((b) => ({
      labels: { stream: b.stream, consumer: b.consumer },
      value: value(b),
    }));
  }
}
