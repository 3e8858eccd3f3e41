import { hash } from 'node:crypto';
import type { InferRequest, Tensor } from '@keelson/inference';

/** What a cached answer was computed by: the version and the exact artifact it loaded. */
export interface CachedVersion {
  model: string;
  version: number;
  sha256: string;
}

export interface CacheEvents {
  hit(model: string): void;
  miss(model: string): void;
  evicted(count: number): void;
  size(bytes: number, entries: number): void;
}

interface Entry {
  model: string;
  outputs: Tensor[];
  bytes: number;
}

/** Bookkeeping per entry beyond its tensors' bytes: the key, the map slot, the objects. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Answers identical inference requests from memory, as Triton's response cache does: opt-in per
 * model, bounded in bytes (least recently used out first), keyed by a SHA-256 of the version, its
 * artifact and everything in the request that can change the answer (inputs with their types and
 * shapes, the outputs asked for, parameters). A version's answers can only be found by requests
 * that resolve to that version, so a promotion never serves the old one's; the node still drops a
 * model's entries whenever its pointers change (promotion, canary, rollback), to free them.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** The models whose answers may be cached (`*`: every model). */
    private readonly models: readonly string[],
    private readonly events?: CacheEvents,
  ) {}

  enabledFor(model: string): boolean {
    return this.maxBytes > 0 && (this.models.includes('*') || this.models.includes(model));
  }

  /**
   * The request's key for `version`, or undefined when the model is not cached: one SHA-256 over
   * one string (a JSON text of everything but the typed tensors' bytes, then each of those in
   * base64 after a NUL, which JSON text never holds), one call into the native hash rather than an
   * update per part (a third of the cost, measured in the predict bench's profile).
   */
  key(version: CachedVersion, request: InferRequest): string | undefined {
    if (!this.enabledFor(version.model)) return undefined;
    let text = JSON.stringify([
      version.model,
      version.version,
      version.sha256,
      request.parameters ?? null,
      request.outputs?.map((o) => [o.name, o.parameters ?? null]) ?? null,
      request.inputs.map((input) => [
        input.name,
        input.datatype,
        input.shape,
        Array.isArray(input.data) ? input.data : null,
      ]),
    ]);
    for (const input of request.inputs)
      if (!Array.isArray(input.data)) {
        const data = input.data as ArrayBufferView;
        text += `\0${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}`;
      }
    return hash('sha256', text, 'base64');
  }

  get(key: string, model: string): Tensor[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.events?.miss(model);
      return undefined;
    }
    this.entries.delete(key); // most recently used goes last
    this.entries.set(key, entry);
    this.events?.hit(model);
    return entry.outputs;
  }

  set(key: string, model: string, answer: Tensor[]): void {
    // Own copies: an answer is often a view into its whole batch's buffer, which would stay alive.
    const outputs = answer.map((t) => ({ ...t, shape: [...t.shape], data: t.data.slice() }));
    const bytes = ENTRY_OVERHEAD_BYTES + key.length + outputs.reduce((n, t) => n + sizeOf(t), 0);
    if (bytes > this.maxBytes) return; // one answer larger than the whole cache is not kept
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    this.entries.set(key, { model, outputs, bytes });
    this.bytes += bytes;
    let evicted = 0;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest, entry);
      evicted++;
    }
    if (evicted > 0) this.events?.evicted(evicted);
    this.events?.size(this.bytes, this.entries.size);
  }

  /** Forgets every answer of `model`. */
  drop(model: string): void {
    for (const [key, entry] of this.entries) if (entry.model === model) this.remove(key, entry);
    this.events?.size(this.bytes, this.entries.size);
  }

  get size(): { bytes: number; entries: number } {
    return { bytes: this.bytes, entries: this.entries.size };
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

function sizeOf(tensor: Tensor): number {
  const data = Array.isArray(tensor.data)
    ? tensor.data.reduce((n, s) => n + 2 * String(s).length + 16, 0)
    : (tensor.data as ArrayBufferView).byteLength;
  return data + 2 * tensor.name.length + 8 * tensor.shape.length + 64;
}
