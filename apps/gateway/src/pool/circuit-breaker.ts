export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failures: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

/**
 * One node's circuit, judged on the gateway's own observations only, so a node that starts failing
 * leaves rotation within a few requests rather than a monitoring round later.
 *
 * Closed: traffic flows; `failures` consecutive failures open it. Open: no traffic until the
 * cool-down has passed, then one probe (the pool sends it, so no client request is spent on a
 * node that may still be dead): half-open while it runs; success closes the circuit, failure opens
 * it again for twice as long, up to `maxCooldownMs`.
 *
 * Besides failures, a slow loss counts against a closed circuit: a hedge race another node won
 * while this one, having answered nothing since, still had not answered long after (see
 * request-attempts.ts). That is how a hung node (SIGSTOP: connections accepted, nothing answered)
 * leaves rotation while hedges hide its calls from the client and none of them times out.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private consecutive = 0;
  private cooldown: number;
  private openedAt = 0;
  private answers = 0;
  /** Told when the circuit opens from closed: the node's calls in flight go elsewhere. */
  onOpen?: () => void;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.cooldown = settings.cooldownMs;
  }

  /** How many answers the node has given: an attempt notes it when sent (see `slowLoss`). */
  get answered(): number {
    return this.answers;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Whether client traffic may go to the node. */
  get closed(): boolean {
    return this.current === 'closed';
  }

  /** An answer from the node (any answer that is not the node's own failure). */
  success(): void {
    this.answers++;
    if (this.current !== 'closed') return; // an old call finishing says nothing about now
    this.consecutive = 0;
  }

  /** A connection failure, timeout or 5xx. Returns true when this failure opened the circuit. */
  failure(): boolean {
    if (this.current !== 'closed') return false;
    this.consecutive++;
    if (this.consecutive < this.settings.failures) return false;
    this.open();
    return true;
  }

  /**
   * A hedge race this node lost by far: counted like a failure, but only when the node has
   * answered nothing since the losing attempt was sent (`answeredWhenSent`, its `answered` then).
   * A node that is merely slow keeps answering other calls, so its lost races never add up; a hung
   * one answers nothing, so they do. `counted`: it counted; `opened`: and opened the circuit.
   */
  slowLoss(answeredWhenSent: number): 'ignored' | 'counted' | 'opened' {
    if (this.current !== 'closed' || this.answers !== answeredWhenSent) return 'ignored';
    return this.failure() ? 'opened' : 'counted';
  }

  /**
   * Opens a closed circuit at once: the transport saw the connection fail, so no request needs to
   * fail first. Returns true when it opened.
   */
  trip(): boolean {
    if (this.current !== 'closed') return false;
    this.open();
    return true;
  }

  /** The cool-down is over and no probe is running: the pool should probe now. */
  probeDue(): boolean {
    return this.current === 'open' && this.now() - this.openedAt >= this.cooldown;
  }

  startProbe(): void {
    if (this.current === 'open') this.current = 'half-open';
  }

  probeResult(ok: boolean): void {
    if (this.current !== 'half-open') return;
    if (ok) {
      this.current = 'closed';
      this.consecutive = 0;
      this.cooldown = this.settings.cooldownMs;
      return;
    }
    this.cooldown = Math.min(this.cooldown * 2, this.settings.maxCooldownMs);
    this.open();
  }

  private open(): void {
    const wasClosed = this.current === 'closed';
    this.current = 'open';
    this.openedAt = this.now();
    // Only from closed: a failed probe re-opening the circuit changes nothing for the calls that
    // went to the node anyway (every circuit open: see NodePool.pick).
    if (wasClosed) this.onOpen?.();
  }
}
