import { Schema, type Connection } from 'mongoose';
import type { DeadLetterState } from './dead-letter.repository';
import { Repository } from './repository';

/** One consumer's failures with one error fingerprint, as ServicePulse groups failed messages. */
export interface DlqGroup {
  /** `<stream>.<consumer>.<fingerprint>`. */
  _id: string;
  stream: string;
  consumer: string;
  fingerprint: string;
  /** The error with its variable parts replaced, and one real example. */
  pattern: string;
  example: string;
  failure: 'terminal' | 'exhausted';
  count: number;
  counts: Record<DeadLetterState, number>;
  firstSeen: Date;
  lastSeen: Date;
  /** Automatic replay's state: waiting for the service, probing, replaying, or parked entries. */
  replay: { status: 'idle' | 'waiting' | 'probing' | 'replaying'; taskId?: string; note?: string };
  /** The trace ids of its latest failures, newest first (at most DLQ_GROUP_TRACES). */
  traces?: string[];
  updatedAt: Date;
}

/** How many of a group's latest failed traces it keeps (an operator's way into Jaeger). */
export const DLQ_GROUP_TRACES = 3;

const schema = new Schema<DlqGroup>(
  {
    _id: String,
    stream: String,
    consumer: String,
    fingerprint: String,
    pattern: String,
    example: String,
    failure: String,
    count: Number,
    counts: Schema.Types.Mixed,
    firstSeen: Date,
    lastSeen: Date,
    replay: Schema.Types.Mixed,
    traces: [String],
    updatedAt: Date,
  },
  { collection: 'dlq_groups', versionKey: false, minimize: false },
);
// Serves the API's listing, most recent failures first.
schema.index({ lastSeen: -1 });

/** DLQ groups, written whole by recovery's leader (the one writer): no partial-update races. */
export class DlqGroupRepository extends Repository<DlqGroup> {
  constructor(connection: Connection) {
    super(connection, 'DlqGroup', schema);
  }

  async save(group: DlqGroup): Promise<void> {
    await this.model.replaceOne({ _id: group._id }, group, { upsert: true });
  }

  get(id: string): Promise<DlqGroup | null> {
    return this.model.findById(id).lean<DlqGroup>().exec();
  }

  all(): Promise<DlqGroup[]> {
    return this.model.find({}).sort({ lastSeen: -1 }).lean<DlqGroup[]>().exec();
  }
}
