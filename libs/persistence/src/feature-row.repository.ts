import { Schema, type Connection } from 'mongoose';
import { insertNew, Repository } from './repository';

export interface FeatureRow {
  recordId: string;
  features: number[];
  label: number | null;
}

/**
 * The feature rows of one `records.validated` event, stored as one document. Ingestion announces
 * each record in exactly one event id (RawRecordDoc.announcedIn), so the event id is the dedupe:
 * a redelivered event is a duplicate document, never a second row. One document per event instead
 * of one per row halves the documents the data path writes, and FerretDB's cost is per document
 * (docs/benchmarks.md).
 */
export interface FeatureRowBatchDoc {
  /** `<dataset>:<records.validated event id>`. */
  _id: string;
  dataset: string;
  eventId: string;
  transformVersion: number;
  rows: FeatureRow[];
  /** rows.length, so counting rows needs no rows. */
  count: number;
  createdAt: Date;
}

const schema = new Schema<FeatureRowBatchDoc>(
  {
    _id: String,
    dataset: String,
    eventId: String,
    transformVersion: Number,
    rows: Schema.Types.Mixed,
    count: Number,
    createdAt: Date,
  },
  { collection: 'feature_row_batches', versionKey: false },
);
// Serves countFor() and reads of one dataset's rows in creation order.
schema.index({ dataset: 1, createdAt: 1 });

/**
 * Feature rows, in one document per validated event. They do not repeat the raw values: training
 * that wants to re-apply a newer transform version reads them from `records` by record id.
 */
export class FeatureRowRepository extends Repository<FeatureRowBatchDoc> {
  constructor(connection: Connection) {
    super(connection, 'FeatureRowBatch', schema);
  }

  /** Stores the batches that are new; returns the ids that were already stored (duplicates). */
  insertNew(docs: FeatureRowBatchDoc[]) {
    return insertNew(this.model, docs);
  }

  findByIds(ids: string[]): Promise<FeatureRowBatchDoc[]> {
    return this.model.find({ _id: { $in: ids } }).lean<FeatureRowBatchDoc[]>();
  }

  /**
   * How many feature rows a dataset has, counted from the documents: a search of the dataset's
   * batches (every one of them on FerretDB), for checks and benches. Hot paths read the count the
   * feature statistics keep (`DatasetStats.records`).
   */
  async countFor(dataset: string): Promise<number> {
    const [total] = await this.model.aggregate<{ rows: number }>([
      { $match: { dataset } },
      { $group: { _id: null, rows: { $sum: '$count' } } },
    ]);
    return total?.rows ?? 0;
  }
}

export const featureRowBatchId = (dataset: string, eventId: string) => `${dataset}:${eventId}`;
