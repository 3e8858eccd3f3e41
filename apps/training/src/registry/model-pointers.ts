import { Kvm, type KV } from '@nats-io/kv';
import type { Messaging } from '@keelson/messaging';
import { encodeBucketValue, ModelPointersValue, readModelPointers } from '@keelson/schemas';

/**
 * What serving follows for one model: the `models` KV bucket entry, keyed by model name (its
 * schema is in @keelson/schemas). `artifacts` holds the SHA-256 of every version named: a
 * prediction node fetches `sha256-<hex>` from the `model-artifacts` object store with no database.
 */
export type ModelPointers = ModelPointersValue;

const HISTORY = 20;

/**
 * The stage pointers of every model, in the `models` KV bucket. Each change is a compare-and-set on
 * the entry's revision, so two promotions racing cannot both win: the loser re-reads and re-applies.
 * The registry's version documents mirror these pointers for listing; serving reads only the KV.
 */
export class ModelPointerStore {
  private constructor(private readonly kv: KV) {}

  static async open(messaging: Messaging): Promise<ModelPointerStore> {
    return new ModelPointerStore(await new Kvm(messaging.js).open('models'));
  }

  async get(model: string): Promise<ModelPointers> {
    const entry = await this.kv.get(model);
    return entry && entry.operation === 'PUT' && entry.value.length > 0
      ? parse(model, entry.value)
      : empty();
  }

  /** Applies `change` atomically; returns the pointers before and after. */
  async change(
    model: string,
    change: (current: ModelPointers) => ModelPointers,
  ): Promise<{ before: ModelPointers; after: ModelPointers }> {
    for (let attempt = 0; ; attempt++) {
      const entry = await this.kv.get(model);
      const live = entry && entry.operation === 'PUT' && entry.value.length > 0;
      const before = live ? parse(model, entry.value) : empty();
      const after = { ...change(structuredClone(before)), updatedAt: new Date().toISOString() };
      after.history = after.history.slice(-HISTORY);
      const kept = new Set([after.production, after.canary, ...after.history].map(String));
      after.artifacts = Object.fromEntries(
        Object.entries(after.artifacts).filter(([version]) => kept.has(version)),
      );
      try {
        const value = encodeBucketValue(ModelPointersValue, after);
        if (live) await this.kv.update(model, value, entry.revision);
        else await this.kv.create(model, value);
        return { before, after };
      } catch (error) {
        // Another writer changed the entry since we read it: read again and re-apply.
        if (attempt >= 10 || !isRevisionConflict(error)) throw error;
      }
    }
  }
}

/** A malformed entry must not be silently overwritten: the registry refuses to build on it. */
function parse(model: string, bytes: Uint8Array): ModelPointers {
  const read = readModelPointers(bytes);
  if (!read.ok) throw new Error(`the models entry of ${model} is malformed: ${read.error}`);
  return read.value;
}

const empty = (): ModelPointers => ({
  history: [],
  artifacts: {},
  updatedAt: new Date(0).toISOString(),
});

function isRevisionConflict(error: unknown): boolean {
  const message = String((error as Error)?.message ?? error);
  return /wrong last sequence|key exists|10071/i.test(message);
}
