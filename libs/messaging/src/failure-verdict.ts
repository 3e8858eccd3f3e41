import type { ConsumerSpec } from '@keelson/schemas';
import type { DeadLetterFailure, DeadLetterReason } from './dead-letter';
import { HandlerTimeoutError } from './handler-deadline';
import { TerminalError } from './handlers';

export type FailureVerdict =
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: DeadLetterReason; failure: DeadLetterFailure };

/**
 * What to do with a message whose handler failed (or ran past its deadline) on its
 * `deliveries`-th delivery: retry it after the backoff for that attempt, or dead-letter it at once
 * (a TerminalError) or once the consumer's deliveries are spent.
 */
export function failureVerdict(
  spec: Pick<ConsumerSpec, 'maxDeliver' | 'retryBackoffMs'>,
  deliveries: number,
  error: unknown,
): FailureVerdict {
  if (error instanceof TerminalError)
    return { action: 'dead-letter', reason: 'handler-failed', failure: 'terminal' };
  if (spec.maxDeliver > 0 && deliveries >= spec.maxDeliver) {
    const reason = error instanceof HandlerTimeoutError ? 'handler-timeout' : 'handler-failed';
    return { action: 'dead-letter', reason, failure: 'exhausted' };
  }
  const backoff = spec.retryBackoffMs;
  return {
    action: 'retry',
    delayMs: backoff[Math.max(0, Math.min(deliveries - 1, backoff.length - 1))],
  };
}
