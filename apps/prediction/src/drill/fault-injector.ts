import { InferenceError } from '@keelson/inference';
import type { InjectedFaults } from '@keelson/schemas';

const NONE: InjectedFaults = { latencyMs: 0, errorRate: 0, hang: false };

/** The longest a drill may slow each call: longer than any sane deadline, shorter than forever. */
export const MAX_INJECTED_LATENCY_MS = 60_000;

export interface FieldProblem {
  field: string;
  reason: string;
}

/** Checks a drill's request body; every problem is named, so the drill fails loudly, not oddly. */
export function parseFaults(
  body: unknown,
): { ok: true; faults: Partial<InjectedFaults> } | { ok: false; problems: FieldProblem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, problems: [{ field: '(body)', reason: 'must be a JSON object' }] };
  const problems: FieldProblem[] = [];
  const faults: Partial<InjectedFaults> = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'latencyMs') {
      if (typeof value === 'number' && value >= 0 && value <= MAX_INJECTED_LATENCY_MS)
        faults.latencyMs = value;
      else
        problems.push({ field, reason: `must be a number from 0 to ${MAX_INJECTED_LATENCY_MS}` });
    } else if (field === 'errorRate') {
      if (typeof value === 'number' && value >= 0 && value <= 1) faults.errorRate = value;
      else problems.push({ field, reason: 'must be a number from 0 to 1' });
    } else if (field === 'hang') {
      if (typeof value === 'boolean') faults.hang = value;
      else problems.push({ field, reason: 'must be true or false' });
    } else problems.push({ field, reason: 'unknown fault (latencyMs, errorRate, hang)' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, faults };
}

/**
 * A drill tool: makes this node slow, failing or hung on purpose, so monitoring, recovery and the
 * gateway can be tested against real processes. It exists only when PREDICTION_FAULTS=on at
 * start; otherwise the node has no way to be told to misbehave. Faults act on inference calls
 * only: the node keeps heartbeating, as a really sick node often does.
 *
 * - `latencyMs`: each call waits this long before it runs (without blocking the event loop).
 * - `errorRate`: this share of calls fails with INTERNAL, a server error.
 * - `hang`: calls wait until the fault is lifted or their deadline passes (then
 *   DEADLINE_EXCEEDED), like a node whose inference thread is stuck.
 */
export class FaultInjector {
  private faults: InjectedFaults = NONE;
  private readonly hung = new Set<() => void>();

  constructor(private readonly random: () => number = Math.random) {}

  /** The faults in force, or undefined when the node behaves. */
  get active(): InjectedFaults | undefined {
    const f = this.faults;
    return f.latencyMs > 0 || f.errorRate > 0 || f.hang ? { ...f } : undefined;
  }

  set(changes: Partial<InjectedFaults>): InjectedFaults {
    this.faults = { ...this.faults, ...changes };
    if (!this.faults.hang) this.release();
    return { ...this.faults };
  }

  clear(): void {
    this.faults = NONE;
    this.release();
  }

  /** Runs before a call's inference: may wait, throw, or hold the call. */
  async apply(deadlineMs?: number): Promise<void> {
    const { latencyMs, errorRate, hang } = this.faults;
    if (hang) await this.hold(deadlineMs);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (errorRate > 0 && this.random() < errorRate)
      throw new InferenceError('INTERNAL', 'inference failed: fault injected by a drill');
  }

  private hold(deadlineMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer =
        deadlineMs === undefined
          ? undefined
          : setTimeout(
              () => {
                this.hung.delete(release);
                reject(
                  new InferenceError('DEADLINE_EXCEEDED', 'the call timed out on a hung node'),
                );
              },
              Math.max(0, deadlineMs - Date.now()),
            );
      const release = () => {
        clearTimeout(timer);
        this.hung.delete(release);
        resolve();
      };
      this.hung.add(release);
    });
  }

  private release(): void {
    for (const release of [...this.hung]) release();
  }
}
