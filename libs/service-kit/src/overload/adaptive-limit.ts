/**
 * An adaptive concurrency limit, in the spirit of Netflix's concurrency-limits (Gradient2) and
 * Envoy's adaptive concurrency filter: how many requests may be outstanding on a server at once,
 * found from the latency those requests see. Below its capacity a server answers in about its
 * no-load time whatever the concurrency; past it the extra requests only queue, and latency grows
 * with the queue. The limit follows the gradient between the two:
 *
 *   gradient = clamp(tolerance x noLoadMs / sampleMs, 0.5, 1)
 *   limit    = limit x gradient + headroom            (smoothed, within [min, max])
 *
 * so it settles where latency is a little above no load (the headroom, sqrt(limit) while nothing
 * queues and log10(limit) once something does, keeps probing for more capacity), falls by up to half per window when a queue builds, and by a fixed
 * share when the server itself refuses or times out. A caller that keeps a server saturated never
 * sees its no-load latency, so, as Envoy does, the limit measures it: at the start and about every
 * `probeEveryMs` (jittered by a quarter either way) it drops to a quarter for two windows (the
 * first lets the queue drain, the second is measured), a quarter again while the measured median
 * is past the tolerance of the last no-load time (the quarter still queued), and between probes
 * any lower median also counts. Requests past the limit are
 * refused at once by the caller: a server's queue is never where excess waits.
 *
 * Pure state, driven by the caller's clock: tests feed it plain numbers.
 */
export interface AdaptiveLimitSettings {
  initial: number;
  min: number;
  max: number;
  /** How far above the no-load latency a window's median may be before the limit falls. */
  tolerance: number;
  /** A window closes after this long with at least `minSamples` answers. */
  windowMs: number;
  minSamples: number;
  /** Weight of a window's new limit against the current one. */
  smoothing: number;
  /** Share of the limit kept after a window in which the server refused or timed out. */
  backoff: number;
  /** How often the no-load latency is measured again (a model or a host can get slower). */
  probeEveryMs: number;
}

export const DEFAULT_ADAPTIVE_LIMIT: AdaptiveLimitSettings = {
  initial: 20,
  min: 2,
  max: 1_000,
  tolerance: 2,
  windowMs: 100,
  minSamples: 8,
  smoothing: 0.2,
  backoff: 0.8,
  probeEveryMs: 10_000,
};

type Phase = 'draining' | 'measuring' | 'adapting';

export class AdaptiveLimit {
  private value: number;
  private noLoadMs = Infinity;
  private windowStart: number | undefined;
  private samples: number[] = [];
  private peakOutstanding = 0;
  private dropped = false;
  private phase: Phase = 'draining';
  private probedAt = 0;
  private probeAfterMs: number;
  /** The concurrency a probe holds while it drains and measures. */
  private probeValue: number;

  constructor(
    private readonly settings: AdaptiveLimitSettings = DEFAULT_ADAPTIVE_LIMIT,
    private readonly random: () => number = Math.random,
  ) {
    this.probeAfterMs = settings.probeEveryMs;
    this.value = settings.initial;
    this.probeValue = settings.initial / 4;
  }

  /** Requests allowed outstanding at once now. */
  get limit(): number {
    if (this.phase === 'adapting') return Math.floor(this.value);
    return Math.max(this.settings.min, Math.ceil(this.probeValue));
  }

  /** True while the limit is lowered to measure the no-load latency again. */
  get probing(): boolean {
    return this.phase !== 'adapting';
  }

  /** The latency the limit treats as no load (undefined until a window closed). */
  get noLoadLatencyMs(): number | undefined {
    return Number.isFinite(this.noLoadMs) ? this.noLoadMs : undefined;
  }

  /** One more request may go out while `outstanding` are (the caller counts them). */
  admits(outstanding: number): boolean {
    return outstanding < this.limit;
  }

  /**
   * A request ended: answered in `ms`, or `dropped` (the server refused it for overload, or it
   * timed out); `outstanding` were out when it was sent, itself included. Outcomes that say
   * nothing of the server's load (a client's mistake, a cancelled hedge) are not reported.
   */
  observe(outcome: { ms: number } | 'dropped', now: number, outstanding: number): void {
    this.windowStart ??= now;
    this.peakOutstanding = Math.max(this.peakOutstanding, outstanding);
    if (outcome === 'dropped') this.dropped = true;
    else this.samples.push(outcome.ms);
    if (now - this.windowStart >= this.settings.windowMs) this.closeWindow(now);
  }

  private closeWindow(now: number): void {
    const s = this.settings;
    if (this.phase === 'draining') {
      this.phase = 'measuring';
    } else if (this.samples.length < s.minSamples) {
      return; // too few answers yet: the window stays open
    } else if (this.phase === 'measuring') {
      const median = medianOf(this.samples);
      if (median > s.tolerance * this.noLoadMs && this.probeValue > s.min) {
        // A quarter of the limit still queued (the server lost capacity since the last probe):
        // what was measured is a queue, not the no-load time. Probe again a quarter as deep.
        this.probeValue /= 4;
        this.phase = 'draining';
        return this.resetWindow();
      }
      this.noLoadMs = median;
      this.phase = 'adapting';
      this.probedAt = now;
      // Jittered, so that the limits of nodes that joined together do not probe together.
      this.probeAfterMs = s.probeEveryMs * (0.75 + 0.5 * this.random());
    } else if (this.dropped) {
      this.value = Math.max(s.min, this.value * s.backoff);
    } else {
      const median = medianOf(this.samples);
      this.noLoadMs = Math.min(this.noLoadMs, median);
      const gradient = Math.max(0.5, Math.min(1, (s.tolerance * this.noLoadMs) / median));
      // Headroom to probe for capacity: generous while nothing queues, small once something
      // does, so the limit settles just past the point where latency starts to grow.
      const headroom = gradient < 1 ? Math.max(1, Math.log10(this.value)) : Math.sqrt(this.value);
      let next = this.value * gradient + headroom;
      // A caller that never came near the limit has not shown the server can take more.
      if (this.peakOutstanding < this.value / 2) next = Math.min(next, this.value);
      this.value = clamp(this.value * (1 - s.smoothing) + next * s.smoothing, s.min, s.max);
      if (now - this.probedAt >= this.probeAfterMs) {
        this.phase = 'draining';
        this.probeValue = this.value / 4;
      }
    }
    this.resetWindow();
  }

  private resetWindow(): void {
    this.windowStart = undefined;
    this.samples = [];
    this.dropped = false;
    this.peakOutstanding = 0;
  }
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
