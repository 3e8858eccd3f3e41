import { Schema, type Connection } from 'mongoose';
import type { DriftReference } from '@keelson/schemas';
import { Repository } from './repository';

export interface DriftReferenceRecord {
  /** `<model>@<version>`. */
  _id: string;
  model: string;
  version: number;
  reference: DriftReference;
  registeredAt: Date;
}

const schema = new Schema<DriftReferenceRecord>(
  {
    _id: String,
    model: String,
    version: Number,
    reference: Schema.Types.Mixed,
    registeredAt: Date,
  },
  { collection: 'drift_references', versionKey: false, minimize: false },
);
// Serves the start-up load (every reference) and a model's versions for /v1/drift/{model}.
schema.index({ model: 1, version: -1 });

/**
 * Each model version's training distributions, as monitoring learned them from
 * `model.registered`: kept so a restarted monitoring compares against the same reference at once.
 */
export class DriftReferenceRepository extends Repository<DriftReferenceRecord> {
  constructor(connection: Connection) {
    super(connection, 'DriftReference', schema);
  }

  /** Idempotent: a redelivered registration writes the same document again. */
  async save(record: DriftReferenceRecord): Promise<void> {
    await this.model.replaceOne({ _id: record._id }, record, { upsert: true });
  }

  all(): Promise<DriftReferenceRecord[]> {
    return this.model.find({}).lean<DriftReferenceRecord[]>().exec();
  }
}
