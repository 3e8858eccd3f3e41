import {
  connectNats,
  EventPublisher,
  EventValidationError,
  type Messaging,
} from '@keelson/messaging';
import { IngestRecords, subjectFor, uuidv7 } from '@keelson/schemas';
import type { ProducerRecord } from './read-records';

export interface NatsSinkOptions {
  url: string;
  dataset: string;
  user?: string;
  password?: string;
  /** Re-publishes of one batch after a timeout or a lost connection (default 20). */
  maxRetries?: number;
  /** Give up if the first connection takes longer (default 10 s). */
  connectTimeoutMs?: number;
  onRetry?: (info: { attempt: number; error: string }) => void;
}

export interface NatsSink {
  /** Resolves once JetStream has stored the batch; `duplicate` if it already had this event id. */
  publish(records: ProducerRecord[]): Promise<{ duplicate: boolean }>;
  close(): Promise<void>;
}

// Only a lost or slow PubAck is worth another try; anything else (no stream, payload too big,
// permissions) fails the same way every time.
const TRANSIENT = new Set(['TimeoutError', 'RequestError', 'ConnectionError']);

export function isTransientNatsError(error: unknown): boolean {
  return error instanceof Error && TRANSIENT.has(error.name);
}

export function explainNatsError(error: unknown, dataset: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof EventValidationError)
    return `a batch does not fit the ingest event: ${message}`;
  if (error instanceof Error && error.name === 'JetStreamNotEnabled') {
    return `no JetStream stream stores ingest.${dataset}; is ingestion running? (it creates INGEST)`;
  }
  if (/payload/i.test(message)) return `${message}; try a smaller --batch`;
  return message;
}

export async function openNatsSink(options: NatsSinkOptions): Promise<NatsSink> {
  subjectFor(IngestRecords.subject, options.dataset); // a bad name fails now, not after 20 retries
  const messaging = await connectWithin(options);
  const publisher = new EventPublisher(messaging.js, 'producer-cli');
  const maxRetries = options.maxRetries ?? 20;
  return {
    async publish(records) {
      // One id per batch, kept across retries: if a PubAck was lost after JetStream stored the
      // batch, the retry is recognised as a duplicate instead of storing the records twice.
      const id = uuidv7();
      for (let attempt = 0; ; attempt++) {
        try {
          const ack = await publisher.publish(
            IngestRecords,
            { records },
            { subject: options.dataset, id },
          );
          return { duplicate: ack.duplicate };
        } catch (error) {
          const why = explainNatsError(error, options.dataset);
          if (!isTransientNatsError(error)) throw new Error(why);
          if (attempt >= maxRetries) {
            throw new Error(
              `publishing to ingest.${options.dataset} failed ${attempt + 1} times: ${why}`,
            );
          }
          options.onRetry?.({ attempt: attempt + 1, error: why });
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
        }
      }
    },
    close: () => messaging.drain(),
  };
}

/**
 * connectNats waits forever for a first connection, which suits a service but not a command a
 * person is watching; the caller exits the process on this error, which ends the pending attempt.
 */
async function connectWithin(options: NatsSinkOptions): Promise<Messaging> {
  const ms = options.connectTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([
      connectNats({
        url: options.url,
        name: 'producer-cli',
        user: options.user,
        password: options.password,
      }),
      timeout,
    ]);
  } catch (error) {
    throw new Error(`cannot connect to NATS at ${options.url}: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
