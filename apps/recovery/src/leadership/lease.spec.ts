import type { KV } from '@nats-io/kv';
import { Lease } from './lease';

/** The compare-and-set a KV bucket gives, in memory: enough to test the lease's rules. */
class MemoryKv {
  value?: Uint8Array;
  revision = 0;
  deleted = false;
  async get() {
    return this.value === undefined
      ? null
      : {
          operation: this.deleted ? 'DEL' : 'PUT',
          value: this.deleted ? new Uint8Array() : this.value,
          revision: this.revision,
        };
  }
  async create(_k: string, v: string) {
    if (this.value !== undefined) throw new Error('wrong last sequence: key exists');
    return this.put(v);
  }
  async update(_k: string, v: string, revision: number) {
    if (revision !== this.revision) throw new Error('wrong last sequence');
    return this.put(v);
  }
  async delete(_k: string, opts: { previousSeq: number }) {
    if (opts.previousSeq !== this.revision) throw new Error('wrong last sequence');
    this.deleted = true;
    this.revision++;
  }
  private put(v: string) {
    this.value = new TextEncoder().encode(v);
    this.deleted = false;
    return ++this.revision;
  }
}

describe('Lease', () => {
  it('lets one replica hold it, renews it, and hands it over only once it ran out', async () => {
    const kv = new MemoryKv();
    const clock = { t: 0 };
    const a = new Lease(kv as unknown as KV, 'a', 6_000, () => clock.t);
    const b = new Lease(kv as unknown as KV, 'b', 6_000, () => clock.t);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    clock.t = 2_000;
    expect(await a.tick()).toBe(true); // renewed until 8 s
    clock.t = 7_000;
    expect(await b.tick()).toBe(false);
    // a dies (stops renewing); its lease runs out at 8 s
    clock.t = 8_001;
    expect(a.held).toBe(false);
    expect(await b.tick()).toBe(true);
    expect(b.term).toBe(2);
    expect(await a.tick()).toBe(false); // back from a pause: it does not take it back
  });

  it('is released on a clean shutdown so another takes it at once', async () => {
    const kv = new MemoryKv();
    const clock = { t: 0 };
    const a = new Lease(kv as unknown as KV, 'a', 6_000, () => clock.t);
    const b = new Lease(kv as unknown as KV, 'b', 6_000, () => clock.t);
    await a.tick();
    await a.release();
    expect(await b.tick()).toBe(true);
  });

  it('keeps acting only while its last lease is good when NATS cannot be reached', async () => {
    const kv = new MemoryKv();
    const clock = { t: 0 };
    const a = new Lease(kv as unknown as KV, 'a', 6_000, () => clock.t);
    await a.tick();
    kv.get = async () => {
      throw new Error('no responders');
    };
    clock.t = 5_000;
    expect(await a.tick()).toBe(true);
    clock.t = 6_001;
    expect(await a.tick()).toBe(false);
  });
});
