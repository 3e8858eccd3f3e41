import { Schema, type Connection } from 'mongoose';
import { idSlices, isDuplicateKeyError, Repository } from './repository';

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

/** Entries read and rewritten together by update(): bounds memory, payloads included. */
const REWRITE_CHUNK = 10_000;

export type DeadLetterChanges = {
  set?: Partial<DeadLetterEntry>;
  inc?: Partial<Record<'replays' | 'returns', number>>;
};

/**
 * Dead letters as recovery keeps them, one document per DLQ message. Recovery's leader is the one
 * writer, and its changes to entries run one at a time (`exclusive`).
 *
 * Changes are rewrites, not updates: FerretDB (the embedded default) applies an update one
 * document at a time, each a scan of the whole collection, so marking 500 entries of a 20,000-entry
 * DLQ took minutes and replay ran at 34 messages/s. A rewrite journals the originals, deletes the
 * entries with one filter and inserts them changed: a couple of scans per chunk, whatever its size.
 * A crash mid-rewrite leaves the originals in the journal, and the next change (or start-up) puts
 * them back first, so an entry is never lost, only its last change undone, which the replay cursor
 * and message ids were built to survive. Readers other than the writer may miss a chunk's entries
 * for the few milliseconds between its delete and its insert.
 */
export class DeadLetterRepository extends Repository<DeadLetterEntry> {
  private readonly journal;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(connection: Connection) {
    super(connection, 'DeadLetter', schema);
    this.journal = connection.collection<DeadLetterEntry>('dead_letter_journal');
  }

  /**
   * The selection indexes (none on FerretDB, see Repository: there they cost every rewrite a
   * quarter more, 518 against 395 ms for 2,000 entries in a 20,000-entry DLQ), then the restore of
   * an interrupted rewrite.
   */
  override async ensureIndexes(): Promise<void> {
    await super.ensureIndexes();
    await this.exclusive(() => this.restore());
  }

  /** Runs `work` after every change queued before it, and before any queued after it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writing.then(work);
    this.writing = next.catch(() => undefined);
    return next;
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

  /**
   * Every entry matching, with its payload, in id order, read by one query as the caller iterates
   * (`batchSize` entries per round trip): on FerretDB each query is a scan of the collection, so a
   * replay reads its selection once rather than page by page.
   */
  stream(filter: DeadLetterFilter, batchSize: number): AsyncIterable<DeadLetterEntry> {
    return this.model.collection.find<DeadLetterEntry>(query(filter) as never, {
      sort: { _id: 1 },
      batchSize,
    });
  }

  count(filter: DeadLetterFilter): Promise<number> {
    return this.model.countDocuments(query(filter)).exec();
  }

  /** Applies `changes` to every entry matching, chunk by chunk; returns how many changed. */
  update(filter: DeadLetterFilter, changes: DeadLetterChanges): Promise<number> {
    return this.exclusive(async () => {
      let changed = 0;
      for (let after = filter.after; ;) {
        const chunk = await this.list({ ...filter, ...(after && { after }) }, REWRITE_CHUNK, true);
        if (chunk.length === 0) return changed;
        changed += await this.rewriteNow(chunk, changes);
        if (chunk.length < REWRITE_CHUNK) return changed;
        after = chunk[chunk.length - 1]._id;
      }
    });
  }

  /**
   * Reads one entry and applies the changes `decide` returns for it (none: left as it is), with no
   * other change in between; returns the entry as it was read, or null when there is none.
   */
  changeOne(
    id: string,
    decide: (entry: DeadLetterEntry) => DeadLetterChanges | undefined,
  ): Promise<DeadLetterEntry | null> {
    return this.exclusive(async () => {
      const entry = await this.get(id);
      const changes = entry && decide(entry);
      if (entry && changes) await this.rewriteNow([entry], changes);
      return entry;
    });
  }

  /** Applies `changes` to these entries, read whole (with payloads) by the caller just before. */
  rewrite(entries: DeadLetterEntry[], changes: DeadLetterChanges): Promise<number> {
    return this.exclusive(() => this.rewriteNow(entries, changes));
  }

  private async rewriteNow(entries: DeadLetterEntry[], changes: DeadLetterChanges) {
    if (entries.length === 0) return 0;
    await this.restore();
    const ids = entries.map((e) => e._id);
    await this.journal.insertMany(entries as never[]);
    // `_id: {$in}` alone and in slices: FerretDB (patched) looks each up by its index (idSlices).
    for (const slice of idSlices(ids))
      await this.model.collection.deleteMany({ _id: { $in: slice } } as never);
    await this.model.collection.insertMany(entries.map((e) => applied(e, changes)) as never[]);
    await this.clearJournal();
    return entries.length;
  }

  /** Puts back the originals of a rewrite that a crash interrupted. */
  private async restore(): Promise<void> {
    const originals = await this.journal.find({}).toArray();
    if (originals.length === 0) return;
    for (const slice of idSlices(originals.map((e) => e._id)))
      await this.model.collection.deleteMany({ _id: { $in: slice } } as never);
    await this.model.collection.insertMany(originals as never[]);
    await this.clearJournal();
  }

  /** Dropped, not emptied: a `deleteMany({})` is another scan on FerretDB, a drop is not. */
  private async clearJournal(): Promise<void> {
    await this.journal.drop().catch((error: { codeName?: string }) => {
      if (error.codeName !== 'NamespaceNotFound') throw error;
    });
  }
}

function applied(entry: DeadLetterEntry, changes: DeadLetterChanges): DeadLetterEntry {
  const next: DeadLetterEntry = { ...entry, ...changes.set };
  for (const [field, by] of Object.entries(changes.inc ?? {}) as Array<
    ['replays' | 'returns', number]
  >)
    next[field] = (entry[field] ?? 0) + by;
  return next;
}
