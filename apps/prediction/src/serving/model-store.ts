import { createHash } from 'node:crypto';
import { Kvm, type KvWatchEntry } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { Messaging } from '@keelson/messaging';
import type { Tensor } from '@keelson/inference';
import { readModelPointers, type ModelPointersValue } from '@keelson/schemas';

/** One loaded, warmed-up model version, as the serving code needs it. */
export interface VersionRunner {
  infer(inputs: Tensor[], outputs?: string[], deadline?: number): Promise<Tensor[]>;
  /** Waits for in-flight requests, then frees the version's workers. */
  drain(): Promise<void>;
  load(): { inFlight: number; queueDepth: number; queueCapacity: number };
  metadata(): { inputs: TensorSpec[]; outputs: TensorSpec[] };
}

export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
}

export interface LoadedVersion {
  model: string;
  version: number;
  sha256: string;
  runner: VersionRunner;
}

type Pointers = Partial<ModelPointersValue>;

export type LoadRunner = (
  bytes: Uint8Array,
  model: string,
  version: number,
) => Promise<VersionRunner>;

/**
 * The versions this node serves: each model's production and canary versions, as the `models`
 * bucket names them (the registry changes it on every promotion, so watching it is how a node
 * follows `model.promoted`). A new version is fetched from the object store, loaded and warmed up
 * before it takes traffic; the version it replaces drains its in-flight requests, then closes, so
 * a swap fails no request.
 */
export class ModelStore {
  private readonly models = new Map<string, Map<number, LoadedVersion>>();
  private readonly production = new Map<string, number>();
  private readonly desired = new Map<string, Set<number>>();
  /**
   * Versions whose artifact could not be fetched or loaded: reported in heartbeats and retried,
   * 1 s after the first failure, doubling to a minute, for as long as the version is wanted.
   */
  private readonly failed = new Map<string, string>();
  private readonly attempts = new Map<string, number>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** The last entry of each model, which a retry applies again. */
  private readonly entries = new Map<string, KvWatchEntry>();
  /** Each model's production version as the bucket names it (loaded or not). */
  private readonly wantedProduction = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();
  private artifacts?: ObjectStore;
  private stopWatch?: () => void;
  private initial = true;
  private closed = false;

  constructor(
    private readonly messaging: Messaging,
    private readonly loadRunner: LoadRunner,
    private readonly log: (message: string, error?: Error) => void,
    /** Models to serve; empty serves every model in the bucket. */
    private readonly only: readonly string[] = [],
    /** Called once a model's new pointers are applied (a promotion, canary change, rollback). */
    private readonly changed: (model: string) => void = () => undefined,
  ) {}

  /** Starts following the bucket; resolves once every model known at start is loaded. */
  async start(): Promise<void> {
    this.artifacts = await new Objm(this.messaging.js)
      .open('model-artifacts')
      .catch(() => undefined);
    const kv = await new Kvm(this.messaging.js).open('models');
    const watch = await kv.watch(); // the last value of every model, then each change
    this.stopWatch = () => watch.stop();
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    void (async () => {
      for await (const entry of watch) {
        this.enqueue(entry);
        if (entry.delta === 0 && this.initial) {
          this.initial = false;
          void Promise.all([...this.chains.values()]).then(caughtUp);
        }
      }
    })();
    // An empty bucket delivers nothing: the watch is caught up at once.
    const status = await kv.status();
    if (status.values === 0) {
      this.initial = false;
      caughtUp();
    }
    await ready;
  }

  /** The version that answers `model` (production unless one is named), if loaded here. */
  resolve(model: string, version?: number): LoadedVersion | undefined {
    const versions = this.models.get(model);
    if (!versions) return undefined;
    return versions.get(version ?? this.production.get(model) ?? -1);
  }

  isKnown(model: string): boolean {
    return this.models.has(model) || this.desired.has(model);
  }

  /**
   * Every model this node should serve has a production version answering: the one the bucket
   * names, or, while that one failed to load, the one before it. A node that cannot answer a
   * model it is assigned is not ready (a canary that failed is reported, and does not count).
   * Versions still loading count as not ready, as at start.
   */
  ready(): boolean {
    for (const [model, versions] of this.desired)
      for (const v of versions) {
        const key = `${model}@${v}`;
        if (this.models.get(model)?.has(v)) continue;
        if (!this.failed.has(key)) return false; // still loading
        if (v === this.wantedProduction.get(model) && this.production.get(model) === undefined)
          return false; // nothing answers this model
      }
    return true;
  }

  /** Versions that failed to load, with the reason. */
  failures(): Record<string, string> {
    return Object.fromEntries(this.failed);
  }

  loaded(): Array<{ name: string; version: number; ready: boolean }> {
    const out: Array<{ name: string; version: number; ready: boolean }> = [];
    for (const [name, versions] of this.desired)
      for (const version of versions)
        out.push({ name, version, ready: this.models.get(name)?.has(version) ?? false });
    return out;
  }

  /** Each loaded version's queue and in-flight requests. */
  versionLoads(): Array<{
    model: string;
    version: number;
    inFlight: number;
    queueDepth: number;
    queueCapacity: number;
  }> {
    const out = [];
    for (const versions of this.models.values())
      for (const v of versions.values())
        out.push({ model: v.model, version: v.version, ...v.runner.load() });
    return out;
  }

  /** Changes to one model apply in order; different models load in parallel. */
  private enqueue(entry: KvWatchEntry): void {
    const model = entry.key;
    if (this.only.length > 0 && !this.only.includes(model)) return;
    this.entries.set(model, entry);
    const previous = this.chains.get(model) ?? Promise.resolve();
    const next = previous
      .then(() => this.apply(model, entry))
      .catch((error: Error) => this.log(`cannot apply the pointers of ${model}`, error));
    this.chains.set(model, next);
  }

  private async apply(model: string, entry: KvWatchEntry): Promise<void> {
    let pointers: Pointers = {};
    if (entry.operation === 'PUT' && entry.value.length > 0) {
      const read = readModelPointers(entry.value);
      // A malformed entry changes nothing: the versions serving now keep serving.
      if (!read.ok) return this.log(`ignored the models entry of ${model}: ${read.error}`);
      pointers = read.value;
    }
    const wanted = new Map<number, string>();
    for (const v of [pointers.production, pointers.canary])
      if (v !== undefined && pointers.artifacts?.[v]) wanted.set(v, pointers.artifacts[v]);
    this.desired.set(model, new Set(wanted.keys()));
    if (wanted.size === 0) this.desired.delete(model);
    if (pointers.production === undefined) this.wantedProduction.delete(model);
    else this.wantedProduction.set(model, pointers.production);
    for (const key of [...this.failed.keys()])
      if (key.startsWith(`${model}@`) && !wanted.has(Number(key.slice(model.length + 1)))) {
        this.failed.delete(key); // no longer wanted: neither reported nor retried
        this.attempts.delete(key);
      }

    const versions = this.models.get(model) ?? new Map<number, LoadedVersion>();
    this.models.set(model, versions);
    for (const [version, sha256] of wanted) {
      if (versions.get(version)?.sha256 === sha256) continue;
      const key = `${model}@${version}`;
      try {
        const bytes = await this.fetch(sha256);
        const runner = await this.loadRunner(bytes, model, version); // loaded and warmed up
        versions.set(version, { model, version, sha256, runner });
        this.failed.delete(key);
        this.attempts.delete(key);
        this.log(`loaded ${key}`);
      } catch (error) {
        this.failed.set(key, (error as Error).message);
        this.log(`cannot load ${key}`, error as Error);
        this.retryLater(model, key);
      }
    }
    // Switch traffic only once the new versions are warm, then drain what is no longer wanted.
    if (pointers.production !== undefined && versions.has(pointers.production))
      this.production.set(model, pointers.production);
    else if (pointers.production === undefined) this.production.delete(model);
    // A production version that failed to load leaves the one before it serving.
    const serving = this.production.get(model);
    for (const [version, loaded] of [...versions])
      if (!wanted.has(version) && version !== serving) {
        versions.delete(version);
        void loaded.runner.drain().then(
          () => this.log(`unloaded ${model}@${version}`),
          (error: Error) => this.log(`draining ${model}@${version} failed`, error),
        );
      }
    if (versions.size === 0) this.models.delete(model);
    this.changed(model);
  }

  /** Applies the model's latest entry again after a backoff: a failed load is often transient. */
  private retryLater(model: string, key: string): void {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    if (this.retries.has(model) || this.closed) return;
    const delay = Math.min(60_000, 1_000 * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.retries.delete(model);
      const entry = this.entries.get(model);
      if (entry && !this.closed) this.enqueue(entry);
    }, delay);
    timer.unref();
    this.retries.set(model, timer);
  }

  private async fetch(sha256: string): Promise<Uint8Array> {
    this.artifacts ??= await new Objm(this.messaging.js).open('model-artifacts');
    const bytes = await this.artifacts.getBlob(`sha256-${sha256}`);
    if (!bytes) throw new Error(`artifact sha256-${sha256} is not in the object store`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`artifact sha256-${sha256} has digest ${actual}`);
    return bytes;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.stopWatch?.();
    await Promise.all(
      [...this.models.values()].flatMap((versions) =>
        [...versions.values()].map((v) => v.runner.drain()),
      ),
    );
    this.models.clear();
  }
}
