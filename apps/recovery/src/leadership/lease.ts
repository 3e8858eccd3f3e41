import type { KV } from '@nats-io/kv';

interface LeaseValue {
  holder: string;
  /** Wall-clock milliseconds: replicas' clocks are assumed within a fraction of the lease. */
  until: number;
  /** Grows on every change of holder. */
  term: number;
}

const KEY = 'leader';

/**
 * One recovery replica acts at a time: the one holding the lease in the `recovery-lease` bucket.
 * Every change is a compare-and-set on the entry's revision, so two replicas never both win. The
 * holder renews well within the lease; when it dies, another takes over once the lease runs out,
 * within one lease duration. A holder that cannot renew (its NATS link is down) stops acting when
 * its lease would have run out, before anyone else can have taken it.
 */
export class Lease {
  private heldUntil = 0;
  private currentTerm = 0;

  constructor(
    private readonly kv: KV,
    readonly holder: string,
    private readonly durationMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get term(): number {
    return this.currentTerm;
  }

  /** Whether this replica holds the lease right now (without asking NATS). */
  get held(): boolean {
    return this.now() < this.heldUntil;
  }

  /** Takes or renews the lease if it can; returns whether this replica holds it. */
  async tick(): Promise<boolean> {
    try {
      const entry = await this.kv.get(KEY);
      const now = this.now();
      const value = (term: number): string =>
        JSON.stringify({ holder: this.holder, until: now + this.durationMs, term });
      if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) {
        // Nobody holds it: create, or (a released, deleted entry) update past the tombstone.
        if (entry) await this.kv.update(KEY, value(this.currentTerm + 1), entry.revision);
        else await this.kv.create(KEY, value(1));
        return this.won(now, this.currentTerm + 1);
      }
      const current = parse(entry.value);
      if (current && current.holder === this.holder) {
        await this.kv.update(KEY, value(current.term), entry.revision);
        return this.won(now, current.term);
      }
      if (!current || current.until <= now) {
        const term = (current?.term ?? 0) + 1;
        await this.kv.update(KEY, value(term), entry.revision);
        return this.won(now, term);
      }
      this.heldUntil = 0;
      return false;
    } catch {
      // A lost race (the revision moved) or NATS unreachable: keep acting only while the lease
      // this replica last won is still good.
      return this.held;
    }
  }

  /** Gives the lease up at a clean shutdown, so another replica takes over at once. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.heldUntil = 0;
    const entry = await this.kv.get(KEY).catch(() => null);
    if (entry?.operation === 'PUT' && parse(entry.value)?.holder === this.holder)
      await this.kv.delete(KEY, { previousSeq: entry.revision }).catch(() => undefined);
  }

  private won(now: number, term: number): boolean {
    this.heldUntil = now + this.durationMs;
    this.currentTerm = term;
    return true;
  }
}

function parse(bytes: Uint8Array): LeaseValue | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as LeaseValue;
    return typeof value.holder === 'string' && typeof value.until === 'number' ? value : undefined;
  } catch {
    return undefined; // a malformed entry is anybody's to take
  }
}
