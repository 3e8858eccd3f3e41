import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError, Repository } from './repository';

/**
 * pending: waiting (for its consumer to be healthy, or for an operator if terminal); replayed: sent
 * back to its subject, outcome not known yet; resolved: the consumer took the replay; parked:
 * failed again after its replays, waiting for an operator; archived: an operator set it aside.
 */
export type DeadLetterState = 'pending' | 'replayed' | 'resolved' | 'parked' | 'archived';
export const DEAD_LETTER_STATES: readonly DeadLetterState[] = [
  'pending',
  'replayed',
  'resolved',
  'parked',
  'archived',
];

export interface DeadLetterEntry {
  /** The DLQ event's id: derived from (stream, consumer, sequence), so a message is stored once. */
  _id: string;
  groupId: string;
  stream: string;
  consumer: string;
  originalSubject: string;
  streamSequence: number;
  reason: string;
  failure: 'terminal' | 'exhausted';
  error: string;
  fingerprint: string;
  pattern: string;
  headers: Record<string, string[]>;
  payloadBase64: string;
  payloadObject?: string;
  payloadBytes: number;
  eventId?: string;
  failedAt: Date;
  storedAt: Date;
  state: DeadLetterState;
  /** Replays sent, and replays that came back dead-lettered again. */
  replays: number;
  returns: number;
  lastReplay?: { taskId: string; at: Date };
  lastError?: string;
  /** The DLQ message that last brought a failed replay back (a redelivery of it counts once). */
  lastReturn?: string;
  /** Who archived or last changed it by hand (an API key id). */
  by?: string;
}

export interface DeadLetterFilter {
  groupId?: string;
  stream?: string;
  consumer?: string;
  state?: DeadLetterState | DeadLetterState[];
  failure?: 'terminal' | 'exhausted';
  from?: Date;
  to?: Date;
  ids?: string[];
  /** Only ids greater than this (a task's cursor). */
  after?: string;
  upTo?: string;
  /** Entries a replay task sent. */
  taskId?: string;
}

const schema = new Schema<DeadLetterEntry>(
  {
    _id: String,
    groupId: String,
    stream: String,
    consumer: String,
    originalSubject: String,
    streamSequence: Number,
    reason: String,
    failure: String,
    error: String,
    fingerprint: String,
    pattern: String,
    headers: Schema.Types.Mixed,
    payloadBase64: String,
    payloadObject: String,
    payloadBytes: Number,
    eventId: String,
    failedAt: Date,
    storedAt: Date,
    state: String,
    replays: Number,
    returns: Number,
    lastReplay: Schema.Types.Mixed,
    lastError: String,
    lastReturn: String,
    by: String,
  },
  { collection: 'dead_letters', versionKey: false, minimize: false },
);
// Serves a replay's selection (a group's pending entries in id order) and the API's listing.
schema.index({ groupId: 1, state: 1, _id: 1 });
// Serves selections by consumer and time range.
schema.index({ stream: 1, consumer: 1, failedAt: 1 });

function query(filter: DeadLetterFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (filter.groupId) q.groupId = filter.groupId;
  if (filter.stream) q.stream = filter.stream;
  if (filter.consumer) q.consumer = filter.consumer;
  if (filter.failure) q.failure = filter.failure;
  if (filter.taskId) q['lastReplay.taskId'] = filter.taskId;
  if (filter.state) q.state = Array.isArray(filter.state) ? { $in: filter.state } : filter.state;
  if (filter.from || filter.to)
    q.failedAt = {
      ...(filter.from && { $gte: filter.from }),
      ...(filter.to && { $lte: filter.to }),
    };
  const id: Record<string, unknown> = {};
  if (filter.ids) id.$in = filter.ids;
  if (filter.after) id.$gt = filter.after;
  if (filter.upTo) id.$lte = filter.upTo;
  if (Object.keys(id).length > 0) q._id = id;
  return q;
}

/**
 * Dead letters as recovery keeps them, one document per DLQ message. Recovery's leader is the one
 * writer. Changes to many entries go as one update with a filter (a replay's range), never one
 * write per entry: on FerretDB every write by id scans the collection.
 */
export class DeadLetterRepository extends Repository<DeadLetterEntry> {
  constructor(connection: Connection) {
    super(connection, 'DeadLetter', schema);
  }

  /** Stores an entry; false if it was stored before (a redelivered DLQ message). */
  async insert(entry: DeadLetterEntry): Promise<boolean> {
    try {
      await this.model.collection.insertOne(entry as never);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  get(id: string): Promise<DeadLetterEntry | null> {
    return this.model.findById(id).lean<DeadLetterEntry>().exec();
  }

  /** Entries matching, oldest first, without their payloads unless asked. */
  list(filter: DeadLetterFilter, limit: number, withPayload = false): Promise<DeadLetterEntry[]> {
    return this.model
      .find(query(filter), withPayload ? {} : { payloadBase64: 0 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<DeadLetterEntry[]>()
      .exec();
  }

  count(filter: DeadLetterFilter): Promise<number> {
    return this.model.countDocuments(query(filter)).exec();
  }

  /** Applies `changes` to every entry matching; returns how many changed. */
  async update(
    filter: DeadLetterFilter,
    changes: {
      set?: Partial<DeadLetterEntry>;
      inc?: Partial<Record<'replays' | 'returns', number>>;
    },
  ): Promise<number> {
    const result = await this.model.updateMany(query(filter), {
      ...(changes.set && { $set: changes.set }),
      ...(changes.inc && { $inc: changes.inc }),
    });
    return result.modifiedCount;
  }
}
