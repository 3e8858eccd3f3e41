import type { MsgHdrs } from '@nats-io/transport-node';
import type { CloudEvent, EventDefinition } from '@keelson/schemas';

export interface MessageContext {
  subject: string;
  streamSequence: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  headers: MsgHdrs | undefined;
  /** Resets JetStream's ack timer; the runner also does this on a timer while the handler runs. */
  working(): void;
}

export type EventHandler<T = unknown> = (
  event: CloudEvent<T>,
  context: MessageContext,
) => Promise<void> | void;

export interface HandlerBinding {
  /** A NATS subject pattern the handler serves. */
  subject: string;
  handle: EventHandler<never>;
  /** Validates delivered events against this definition; otherwise the registry's, by subject. */
  event?: EventDefinition;
}

/**
 * Thrown by a handler for a failure no retry can fix (e.g. a reference to something that will never
 * exist). The message goes to the DLQ at once instead of after `max_deliver` attempts.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** Does every subject that `filter` can deliver match `pattern`? */
export function patternCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('.');
  const f = filter.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return f.length > i;
    if (i >= f.length) return false;
    if (f[i] === '>') return false; // the filter reaches deeper than this pattern can
    if (p[i] !== '*' && p[i] !== f[i]) return false;
    if (p[i] !== '*' && f[i] === '*') return false;
  }
  return p.length === f.length;
}

/** Filter subjects that no handler covers: non-empty means the service must not start. */
export function uncoveredSubjects(
  filterSubjects: readonly string[],
  handlers: readonly Pick<HandlerBinding, 'subject'>[],
): string[] {
  return filterSubjects.filter((f) => !handlers.some((h) => patternCovers(h.subject, f)));
}
