import { Schema, type Connection } from 'mongoose';
import { insertNew, Repository } from './repository';

export interface FeatureRow {
  recordId: string;
  features: number[];
  label: number | null;
}

/**
 * The feature rows of one `records.validated` event, as the services see them. Ingestion announces
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

/**
 * The same batch as stored: the rows' features packed into one binary field (`rows x width`
 * float64, little-endian, row after row) beside the rows' ids and labels. Stored as an array of
 * row objects, each value is a BSON element FerretDB converts one by one: 2,000 batches of 100
 * rows of 30 features took it 7 to 8 times as long to insert as packed (docs/benchmarks.md).
 * A batch whose rows differ in width, and documents written before the packing, keep `rows`.
 */
interface StoredFeatureRowBatch extends Omit<FeatureRowBatchDoc, 'rows'> {
  rows?: FeatureRow[];
  recordIds?: string[];
  labels?: Array<number | null>;
  width?: number;
  features?: Buffer | { buffer: Uint8Array };
}

function pack(doc: FeatureRowBatchDoc): StoredFeatureRowBatch {
  const { rows, ...rest } = doc;
  const width = rows[0]?.features.length ?? 0;
  if (rows.some((r) => r.features.length !== width)) return doc;
  const features = Buffer.allocUnsafe(rows.length * width * 8);
  let at = 0;
  for (const row of rows) for (const value of row.features) at = features.writeDoubleLE(value, at);
  return {
    ...rest,
    recordIds: rows.map((r) => r.recordId),
    labels: rows.map((r) => r.label),
    width,
    features,
  };
}

function unpack(stored: StoredFeatureRowBatch): FeatureRowBatchDoc {
  const { recordIds, labels, width, features, rows, ...rest } = stored;
  if (rows || !recordIds || !labels || width === undefined || !features)
    return { ...rest, rows: rows ?? [] };
  // The driver hands a BSON Binary back; its bytes are `buffer`.
  const raw = Buffer.isBuffer(features) ? features : features.buffer;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length !== recordIds.length * width * 8)
    throw new Error(
      `feature-row batch ${stored._id}: ${bytes.length} bytes for ${recordIds.length} rows of ${width}`,
    );
  return {
    ...rest,
    rows: recordIds.map((recordId, r) => {
      const values = new Array<number>(width);
      for (let k = 0; k < width; k++) values[k] = bytes.readDoubleLE((r * width + k) * 8);
      return { recordId, features: values, label: labels[r] ?? null };
    }),
  };
}

const schema = new Schema<StoredFeatureRowBatch>(
  {
    _id: String,
    dataset: String,
    eventId: String,
    transformVersion: Number,
    rows: Schema.Types.Mixed,
    recordIds: [String],
    labels: Schema.Types.Mixed,
    width: Number,
    features: Buffer,
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
export class FeatureRowRepository extends Repository<StoredFeatureRowBatch> {
  constructor(connection: Connection) {
    super(connection, 'FeatureRowBatch', schema);
  }

  /** Stores the batches that are new; returns the ids that were already stored (duplicates). */
  insertNew(docs: FeatureRowBatchDoc[]) {
    return insertNew(this.model, docs.map(pack));
  }

  async findByIds(ids: string[]): Promise<FeatureRowBatchDoc[]> {
    const stored = await this.model.find({ _id: { $in: ids } }).lean<StoredFeatureRowBatch[]>();
    return stored.map(unpack);
  }

  /** A dataset's batches in the order they were stored (checks and tools; not a hot path). */
  async findByDataset(dataset: string): Promise<FeatureRowBatchDoc[]> {
    const stored = await this.model
      .find({ dataset })
      .sort({ createdAt: 1 })
      .lean<StoredFeatureRowBatch[]>();
    return stored.map(unpack);
  }

  /**
   * The record id of every feature row of a dataset, one per row (a record turned into rows twice
   * appears twice): for checks that every record got exactly one row. Reads no features.
   */
  async recordIdsOf(dataset: string): Promise<string[]> {
    const stored = await this.model
      .find({ dataset }, { recordIds: 1, 'rows.recordId': 1 })
      .lean<Array<Pick<StoredFeatureRowBatch, 'recordIds' | 'rows'>>>();
    return stored.flatMap((b) => b.recordIds ?? (b.rows ?? []).map((r) => r.recordId));
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
