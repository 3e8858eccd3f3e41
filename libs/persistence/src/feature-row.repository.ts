import { Schema, type Connection } from 'mongoose';
import { insertNew, Repository } from './repository';

export interface FeatureRowDoc {
  /** `<dataset>:<recordId>`. */
  _id: string;
  dataset: string;
  recordId: string;
  transformVersion: number;
  features: number[];
  label: number | null;
  createdAt: Date;
}

const schema = new Schema<FeatureRowDoc>(
  {
    _id: String,
    dataset: String,
    recordId: String,
    transformVersion: Number,
    features: [Number],
    label: Schema.Types.Mixed,
    createdAt: Date,
  },
  { collection: 'feature_rows', versionKey: false },
);
// Serves training's reads: one dataset's rows in creation order (training windows).
schema.index({ dataset: 1, createdAt: 1 });

/**
 * Feature rows, one per accepted record. They do not repeat the raw values: training that wants
 * to re-apply a newer transform version reads them from `records`, under the same `_id`.
 */
export class FeatureRowRepository extends Repository<FeatureRowDoc> {
  constructor(connection: Connection) {
    super(connection, 'FeatureRow', schema);
  }

  insertNew(docs: FeatureRowDoc[]) {
    return insertNew(this.model, docs);
  }

  findByIds(ids: string[]): Promise<FeatureRowDoc[]> {
    return this.model.find({ _id: { $in: ids } }).lean<FeatureRowDoc[]>();
  }

  countFor(dataset: string): Promise<number> {
    return this.model.countDocuments({ dataset });
  }
}
