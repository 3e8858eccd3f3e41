import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError, Repository } from './repository';

export interface ProcessedEvent {
  consumer: string;
  eventId: string;
  processedAt: Date;
}

const schema = new Schema<ProcessedEvent>(
  {
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    processedAt: { type: Date, required: true },
  },
  { collection: 'processed_events', versionKey: false },
);
// Serves markProcessed(): the unique pair is what makes "have I done this already?" atomic, so a
// redelivered event that raced its first delivery still takes effect once.
schema.index({ consumer: 1, eventId: 1 }, { unique: true });

/**
 * The idempotency ledger for handlers whose effect is not a natural upsert (sending an email,
 * calling out): record the event id first, act only if it was new.
 */
export class ProcessedEventRepository extends Repository<ProcessedEvent> {
  constructor(connection: Connection) {
    super(connection, 'ProcessedEvent', schema);
  }

  /** true the first time a consumer sees an event id, false on every later delivery. */
  async markProcessed(consumer: string, eventId: string): Promise<boolean> {
    try {
      await this.model.create({ consumer, eventId, processedAt: new Date() });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async wasProcessed(consumer: string, eventId: string): Promise<boolean> {
    return (await this.model.exists({ consumer, eventId }).lean()) !== null;
  }

  async countFor(consumer: string): Promise<number> {
    return this.model.countDocuments({ consumer });
  }
}
