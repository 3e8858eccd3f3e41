import { Schema, type Connection } from 'mongoose';
import type { TransformSpec } from '@keelson/ml';
import { isDuplicateKeyError, Repository } from './repository';

interface TransformDoc {
  /** `<dataset>@<version>`. */
  _id: string;
  dataset: string;
  version: number;
  spec: TransformSpec;
  createdAt: Date;
}

const schema = new Schema<TransformDoc>(
  { _id: String, dataset: String, version: Number, spec: Schema.Types.Mixed, createdAt: Date },
  { collection: 'transforms', versionKey: false },
);
// Serves latest(): the newest version of one dataset's transform.
schema.index({ dataset: 1, version: -1 });

/** Versioned transform specs; a version, once written, never changes. */
export class TransformRepository extends Repository<TransformDoc> {
  constructor(connection: Connection) {
    super(connection, 'Transform', schema);
  }

  async latest(dataset: string): Promise<TransformSpec | null> {
    const doc = await this.model.findOne({ dataset }).sort({ version: -1 }).lean();
    return doc?.spec ?? null;
  }

  async get(dataset: string, version: number): Promise<TransformSpec | null> {
    return (await this.model.findById(`${dataset}@${version}`).lean())?.spec ?? null;
  }

  /** Saves a new version; if another instance saved that version first, returns theirs. */
  async create(spec: TransformSpec): Promise<TransformSpec> {
    try {
      await this.model.create({
        _id: `${spec.dataset}@${spec.version}`,
        dataset: spec.dataset,
        version: spec.version,
        spec,
        createdAt: new Date(),
      });
      return spec;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return (await this.get(spec.dataset, spec.version))!;
    }
  }
}
