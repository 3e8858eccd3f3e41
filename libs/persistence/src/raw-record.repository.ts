import { Schema, type Connection, type Model } from 'mongoose';
import { idSlices, insertNew, Repository } from './repository';

export interface RawRecordDoc {
  /** `<dataset>:<recordId>`: the unique _id is the dedupe. */
  _id: string;
  dataset: string;
  recordId: string;
  schemaVersion: number;
  values: Record<string, unknown>;
  receivedAt: Date;
  via: 'http' | 'nats';
  /** The API key (HTTP) or NATS event id (stream) it arrived with. */
  origin: string;
  /**
   * The `records.validated` event that announces it, fixed when it is stored: every later
   * announcement (a redelivery, a re-send) republishes that same event, so each record is in
   * exactly one event id and consumers can dedupe by event. Absent on records stored before.
   */
  announcedIn?: string;
  traceId?: string;
}

const schema = new Schema<RawRecordDoc>(
  {
    _id: String,
    dataset: String,
    recordId: String,
    schemaVersion: Number,
    values: Schema.Types.Mixed,
    receivedAt: Date,
    via: String,
    origin: String,
    announcedIn: String,
    traceId: String,
  },
  { collection: 'records', versionKey: false },
);
// Serves countFor() and per-dataset exports: records of one dataset in arrival order.
schema.index({ dataset: 1, receivedAt: 1 });
// Serves findAnnouncedIn(): re-announcing the whole event a duplicate belongs to.
schema.index({ announcedIn: 1 });

/**
 * A `records.validated` event that went out: written once JetStream acknowledged it. A re-sent
 * record whose event is here needs nothing re-announced, so a producer's retry costs look-ups by
 * `_id` only, never a search of `records` by `announcedIn` (a scan of the whole collection on
 * FerretDB, whose cost grows with every record ever stored).
 */
interface PublishedEventDoc {
  /** The event id. */
  _id: string;
  at: Date;
}

const publishedSchema = new Schema<PublishedEventDoc>(
  { _id: String, at: Date },
  { collection: 'published_events', versionKey: false },
);

/** Accepted raw records, exactly as validated, with arrival metadata. */
export class RawRecordRepository extends Repository<RawRecordDoc> {
  private readonly published: Model<PublishedEventDoc>;

  constructor(connection: Connection) {
    super(connection, 'RawRecord', schema);
    this.published =
      (connection.models.PublishedEvent as Model<PublishedEventDoc> | undefined) ??
      connection.model<PublishedEventDoc>('PublishedEvent', publishedSchema);
  }

  override async ensureIndexes(): Promise<void> {
    await Promise.all([super.ensureIndexes(), this.published.createIndexes()]);
  }

  /** Notes that these events went out (JetStream acknowledged them). */
  async markPublished(eventIds: string[]): Promise<void> {
    const at = new Date();
    await insertNew(
      this.published,
      eventIds.map((_id) => ({ _id, at })),
    ); // a duplicate: an earlier announcement of the same event went out too
  }

  /** Which of these events are not known to have gone out. */
  async unpublished(eventIds: string[]): Promise<string[]> {
    const out = await this.published
      .find({ _id: { $in: eventIds } }, { _id: 1 })
      .lean<Array<{ _id: string }>>()
      .exec();
    const known = new Set(out.map((e) => e._id));
    return eventIds.filter((id) => !known.has(id));
  }

  /** Stores the records that are new; returns the ids that were already stored (duplicates). */
  insertNew(docs: RawRecordDoc[]) {
    return insertNew(this.model, docs);
  }

  /** These stored records (ids are `<dataset>:<recordId>`), whole or only the named fields. */
  async findByIds<K extends keyof RawRecordDoc>(
    ids: string[],
    fields?: K[],
  ): Promise<Array<Pick<RawRecordDoc, K | '_id'>>> {
    const projection = fields && Object.fromEntries(fields.map((f) => [f, 1]));
    // In slices, looked up side by side (see idSlices).
    const found = await Promise.all(
      idSlices(ids).map((slice) =>
        this.model.find({ _id: { $in: slice } }, projection).lean<RawRecordDoc[]>(),
      ),
    );
    return found.flat();
  }

  /** Every record announced in one of these `records.validated` events. */
  findAnnouncedIn(eventIds: string[]): Promise<RawRecordDoc[]> {
    return this.model.find({ announcedIn: { $in: eventIds } }).lean<RawRecordDoc[]>();
  }

  countFor(dataset: string): Promise<number> {
    return this.model.countDocuments({ dataset });
  }

  /**
   * A dataset's records in arrival order within a window (the newest `limit` if given): what
   * training learns from. Only values and arrival time are read.
   */
  async window(
    dataset: string,
    options: { from?: Date; to?: Date; limit?: number } = {},
  ): Promise<Array<{ values: Record<string, unknown>; receivedAt: Date }>> {
    const receivedAt: Record<string, Date> = {};
    if (options.from) receivedAt.$gte = options.from;
    if (options.to) receivedAt.$lte = options.to;
    const filter = { dataset, ...(options.from || options.to ? { receivedAt } : {}) };
    const query = this.model
      .find(filter, { values: 1, receivedAt: 1, _id: 0 })
      .sort({ receivedAt: options.limit ? -1 : 1 });
    if (options.limit) query.limit(options.limit);
    const docs = await query.lean<Array<{ values: Record<string, unknown>; receivedAt: Date }>>();
    return options.limit ? docs.reverse() : docs;
  }
}

export const rawRecordId = (dataset: string, recordId: string) => `${dataset}:${recordId}`;
