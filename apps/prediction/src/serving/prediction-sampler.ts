import type { EventPublisher } from '@keelson/messaging';
import { halfToNumber, type Tensor } from '@keelson/inference';
import { PredictionSampled, type PredictionSample, type SampledTensor } from '@keelson/schemas';

export interface SamplerOptions {
  /** Share of answered calls sampled, 0..1. */
  rate: number;
  /** How long samples gather before they are sent together. */
  flushMs: number;
  /** Samples per message at most (a message is sent as soon as it is full). */
  maxBatch: number;
  /** Samples waiting to be sent at most; past it, new ones are dropped and counted. */
  maxPending: number;
}

export const DEFAULT_SAMPLER_OPTIONS: SamplerOptions = {
  rate: 0.01,
  flushMs: 1_000,
  maxBatch: 100,
  maxPending: 2_000,
};

/**
 * Values as JSON carries them, in row-major order: 64-bit integers as numbers when exact (else
 * decimal strings), FP16 as the numbers its bits mean, BOOL as booleans, NaN and infinities as
 * null. Shape and datatype are
 * kept, so drift monitoring can read row i of each input.
 */
export function sampledTensor(tensor: Tensor): SampledTensor {
  let data: Array<number | string | boolean | null>;
  if (tensor.datatype === 'BYTES') data = [...(tensor.data as string[])];
  else if (tensor.datatype === 'BOOL') data = Array.from(tensor.data as Uint8Array, (v) => v !== 0);
  else if (tensor.datatype === 'FP16') data = Array.from(tensor.data as Uint16Array, halfToNumber);
  else if (tensor.datatype === 'INT64' || tensor.datatype === 'UINT64')
    data = Array.from(tensor.data as BigInt64Array, (v) =>
      Number.isSafeInteger(Number(v)) ? Number(v) : v.toString(),
    );
  else data = Array.from(tensor.data as ArrayLike<number>, finiteOrNull);
  if (tensor.datatype === 'FP16') data = data.map((v) => finiteOrNull(v as number));
  return { name: tensor.name, datatype: tensor.datatype, shape: [...tensor.shape], data };
}

/** JSON has no NaN or infinities; a sample carries them as null (a missing value). */
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

interface Pending {
  model: string;
  version: number;
  samples: PredictionSample[];
}

/**
 * Sends a share of the answered calls (inputs and outputs) to `predictions.<model>` for drift
 * monitoring, gathered per model version for up to `flushMs` so a busy node sends a few messages a
 * second rather than one per sample. Sampling never delays or fails an answer, and a sample that
 * cannot be sent (the buffer is full, or NATS refused it) is counted as dropped: in the node's
 * heartbeat, its metrics and each later message, never silently.
 */
export class PredictionSampler {
  published = 0;
  dropped = 0;
  private readonly pending = new Map<string, Pending>();
  private waiting = 0;
  private timer?: NodeJS.Timeout;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly nodeId: string,
    private readonly options: SamplerOptions,
    private readonly counted: (result: 'published' | 'dropped', count: number) => void = () =>
      undefined,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    if (this.options.rate <= 0) return;
    this.timer = setInterval(() => this.flushAll(), this.options.flushMs);
    this.timer.unref();
  }

  offer(model: string, version: number, inputs: Tensor[], outputs: Tensor[], latencyMs: number) {
    if (this.options.rate <= 0 || this.random() >= this.options.rate) return;
    if (this.waiting >= this.options.maxPending) return this.drop(1);
    const key = `${model}@${version}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = { model, version, samples: [] };
      this.pending.set(key, pending);
    }
    pending.samples.push({
      at: new Date().toISOString(),
      latencyMs,
      inputs: inputs.map(sampledTensor),
      outputs: outputs.map(sampledTensor),
    });
    this.waiting++;
    if (pending.samples.length >= this.options.maxBatch) this.flush(key);
  }

  /** Sends what is gathered and waits for it (a clean shutdown loses no sample). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.flushAll();
    await Promise.allSettled([...this.sending]);
  }

  private flushAll(): void {
    for (const key of [...this.pending.keys()]) this.flush(key);
  }

  private flush(key: string): void {
    const pending = this.pending.get(key);
    this.pending.delete(key);
    if (!pending || pending.samples.length === 0) return;
    const count = pending.samples.length;
    const sent = this.publisher
      .publish(
        PredictionSampled,
        {
          model: pending.model,
          version: pending.version,
          nodeId: this.nodeId,
          samples: pending.samples,
          droppedSinceStart: this.dropped,
        },
        { subject: pending.model },
      )
      .then(
        () => {
          this.published += count;
          this.counted('published', count);
        },
        () => this.drop(count),
      )
      .finally(() => {
        this.waiting -= count;
        this.sending.delete(sent);
      });
    this.sending.add(sent);
  }

  private drop(count: number): void {
    this.dropped += count;
    this.counted('dropped', count);
  }
}
