import { Schema, type Connection } from 'mongoose';
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

/** Accepted raw records, exactly as validated, with arrival metadata. */
export class RawRecordRepository extends Repository<RawRecordDoc> {
  constructor(connection: Connection) {
    super(connection, 'RawRecord', schema);
  }

  /** Stores the records that are new; returns the ids that were already stored (duplicates). */
  insertNew(docs: RawRecordDoc[]) {
    return insertNew(this.model, docs);
  }

  /** These stored records (ids are `<dataset>:<recordId>`). */
  findByIds(ids: string[]): Promise<RawRecordDoc[]> {
    return this.model.find({ _id: { $in: ids } }).lean<RawRecordDoc[]>();
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
