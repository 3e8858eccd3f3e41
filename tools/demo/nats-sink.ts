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
  onRetry?: (info: { attempt: number; error: string }) => void;
}

export interface NatsSink {
  /** Resolves once JetStream has stored the batch; `duplicate` if it already had this event id. */
  publish(records: ProducerRecord[]): Promise<{ duplicate: boolean }>;
  close(): Promise<void>;
}

export async function openNatsSink(options: NatsSinkOptions): Promise<NatsSink> {
  subjectFor(IngestRecords.subject, options.dataset); // a bad name fails now, not after 20 retries
  let messaging: Messaging;
  try {
    messaging = await connectNats({
      url: options.url,
      name: 'producer-cli',
      user: options.user,
      password: options.password,
    });
  } catch (error) {
    throw new Error(`cannot connect to NATS at ${options.url}: ${(error as Error).message}`);
  }
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
          const message = (error as Error).message;
          if (error instanceof EventValidationError) {
            throw new Error(`a batch does not fit the ingest event: ${message}`);
          }
          if (/no responders/i.test(message)) {
            throw new Error(
              `no JetStream stream stores ingest.${options.dataset}; is ingestion running? (${message})`,
            );
          }
          if (attempt >= maxRetries) {
            throw new Error(
              `publishing to ingest.${options.dataset} failed ${attempt + 1} times: ${message}`,
            );
          }
          options.onRetry?.({ attempt: attempt + 1, error: message });
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
        }
      }
    },
    close: () => messaging.drain(),
  };
}
