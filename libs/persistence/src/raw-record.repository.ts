import { Schema, type Connection, type Model } from 'mongoose';
import { insertNew, Repository } from './repository';

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
 * Which stored records one `records.validated` event announces, written by the insert that stored
 * all of them: re-announcing an event then costs two look-ups by `_id`, not a search of `records`
 * by `announcedIn` (a scan of the whole collection on FerretDB, whose cost grows with every record
 * ever stored).
 */
interface RecordEventDoc {
  /** The event id. */
  _id: string;
  /** The `_id`s of its records. */
  records: string[];
}

const eventSchema = new Schema<RecordEventDoc>(
  { _id: String, records: [String] },
  { collection: 'record_events', versionKey: false },
);

/** Accepted raw records, exactly as validated, with arrival metadata. */
export class RawRecordRepository extends Repository<RawRecordDoc> {
  private readonly events: Model<RecordEventDoc>;

  constructor(connection: Connection) {
    super(connection, 'RawRecord', schema);
    this.events =
      (connection.models.RecordEvent as Model<RecordEventDoc> | undefined) ??
      connection.model<RecordEventDoc>('RecordEvent', eventSchema);
  }

  override async ensureIndexes(): Promise<void> {
    await Promise.all([super.ensureIndexes(), this.events.createIndexes()]);
  }

  /**
   * Records each event's members. Only for events whose every record this caller stored itself:
   * then the list is the whole event (another attempt of it met only duplicates).
   */
  async recordEvents(members: Map<string, string[]>): Promise<void> {
    const docs = [...members].map(([_id, records]) => ({ _id, records }));
    await insertNew(this.events, docs); // a duplicate is the same list, written by a twin attempt
  }

  /**
   * The stored records of each event, by event id: from the recorded members where there are
   * some, else (events stored before members were recorded, or by an attempt that crashed before
   * recording them) by searching `records` for the event.
   */
  async announcedIn(eventIds: string[]): Promise<RawRecordDoc[]> {
    const known = await this.events
      .find({ _id: { $in: eventIds } })
      .lean<RecordEventDoc[]>()
      .exec();
    const recorded = new Set(known.map((e) => e._id));
    const unknown = eventIds.filter((id) => !recorded.has(id));
    const [members, searched] = await Promise.all([
      known.length > 0 ? this.findByIds(known.flatMap((e) => e.records)) : [],
      unknown.length > 0 ? this.findAnnouncedIn(unknown) : [],
    ]);
    return [...members, ...searched];
  }

  /** Stores the records that are new; returns the ids that were already stored (duplicates). */
  insertNew(docs: RawRecordDoc[]) {
    return insertNew(this.model, docs);
  }

  /** These stored records (ids are `<dataset>:<recordId>`). */
  async findByIds(ids: string[]): Promise<RawRecordDoc[]> {
    // In slices: FerretDB looks a list of `_id`s up by its index only up to a bound (tools/infra/patches).
    const found = await Promise.all(
      chunks(ids, ID_LOOKUP_SLICE).map((slice) =>
        this.model.find({ _id: { $in: slice } }).lean<RawRecordDoc[]>(),
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

const ID_LOOKUP_SLICE = 1_000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const rawRecordId = (dataset: string, recordId: string) => `${dataset}:${recordId}`;
