import type { ConsumerSpec } from '@keelson/schemas';

/** The shortest handler deadline of a consumer whose spec sets none (a longer ack wait wins). */
export const DEFAULT_HANDLER_DEADLINE_MS = 30_000;

// setTimeout fires at once for anything longer (a 32-bit signed delay); past it there is no timer.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The handler was still running when its consumer's deadline passed. */
export class HandlerTimeoutError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`handler still running after its ${deadlineMs} ms deadline`);
    this.name = 'HandlerTimeoutError';
  }
}

export type HandlerOutcome = { status: 'done' } | { status: 'failed'; error: unknown };

export type DeadlineOutcome =
  | HandlerOutcome
  | {
      status: 'timed-out';
      error: HandlerTimeoutError;
      /** The abandoned handler's own outcome, whenever it comes; never rejects. */
      late: Promise<HandlerOutcome>;
    };

/** How long a handler of `spec` may run: its own deadline, or 30 s or its ack wait if longer. */
export function handlerDeadlineMs(spec: Pick<ConsumerSpec, 'ackWaitMs' | 'handlerDeadlineMs'>) {
  const deadline = spec.handlerDeadlineMs ?? Math.max(DEFAULT_HANDLER_DEADLINE_MS, spec.ackWaitMs);
  if (!(deadline > 0)) throw new Error(`handlerDeadlineMs must be positive, not ${deadline}`);
  return deadline;
}

/**
 * Runs `work` and settles with its outcome, or with `timed-out` once `deadlineMs` passes first.
 * Work cannot be cancelled: a timed-out handler keeps running, and its result arrives on `late`
 * for the caller to log, never to act on.
 */
export async function runWithDeadline(
  work: () => Promise<void> | void,
  deadlineMs: number,
): Promise<DeadlineOutcome> {
  const settled = new Promise<void>((resolve) => resolve(work())).then(
    (): HandlerOutcome => ({ status: 'done' }),
    (error: unknown): HandlerOutcome => ({ status: 'failed', error }),
  );
  if (deadlineMs >= MAX_TIMER_MS) return settled;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<DeadlineOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({ status: 'timed-out', error: new HandlerTimeoutError(deadlineMs), late: settled }),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([settled, expired]);
  } finally {
    clearTimeout(timer);
  }
}
