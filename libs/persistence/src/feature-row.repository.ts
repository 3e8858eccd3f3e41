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
  /** The validated raw values, so training can re-apply a newer transform version. */
  values: Record<string, unknown>;
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
    values: Schema.Types.Mixed,
    createdAt: Date,
  },
  { collection: 'feature_rows', versionKey: false },
);
// Serves training's reads: one dataset's rows in creation order (training windows).
schema.index({ dataset: 1, createdAt: 1 });

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
