import { Schema, type Connection } from 'mongoose';
import type { DriftReference } from '@keelson/schemas';
import { isDuplicateKeyError, Repository } from './repository';

export type ModelStage = 'registered' | 'canary' | 'production' | 'archived';

/** A tensor a model takes or gives, as read from its ONNX graph. */
export interface ModelTensor {
  name: string;
  type: string;
  shape: Array<number | string>;
}

export interface ModelVersion {
  /** `<model>@<version>`. */
  _id: string;
  model: string;
  version: number;
  source: 'training' | 'upload';
  dataset?: string;
  transformVersion?: number;
  algorithm?: string;
  hyperparameters?: Record<string, unknown>;
  /** Scored on the job's holdout rows (test split), never on rows it trained on. */
  metrics: Record<string, number>;
  holdout?: { rows: number; seed: number };
  trainingWindow?: { from: Date; to: Date; records: number };
  jobId?: string;
  traceId?: string;
  artifact: {
    sha256: string;
    sizeBytes: number;
    /** Object name in the `model-artifacts` JetStream object store. */
    object: string;
    inputs: ModelTensor[];
    outputs: ModelTensor[];
  };
  stage: ModelStage;
  /** The training data's distributions, for drift monitoring (trained versions only). */
  reference?: DriftReference;
  createdAt: Date;
  stageChangedAt: Date;
}

const schema = new Schema<ModelVersion>(
  {
    _id: String,
    model: String,
    version: Number,
    source: String,
    dataset: String,
    transformVersion: Number,
    algorithm: String,
    hyperparameters: Schema.Types.Mixed,
    metrics: Schema.Types.Mixed,
    holdout: Schema.Types.Mixed,
    trainingWindow: Schema.Types.Mixed,
    jobId: String,
    traceId: String,
    artifact: Schema.Types.Mixed,
    stage: String,
    reference: Schema.Types.Mixed,
    createdAt: Date,
    stageChangedAt: Date,
  },
  { collection: 'model_versions', versionKey: false },
);
// Serves versions() and the next version number: one model's versions, newest first.
schema.index({ model: 1, version: -1 });

/** The registry's version records. Stage pointers that serving follows live in the `models` KV. */
export class ModelVersionRepository extends Repository<ModelVersion> {
  constructor(connection: Connection) {
    super(connection, 'ModelVersion', schema);
  }

  /**
   * Stores a new version numbered one past the newest. Two registrations racing for a number are
   * settled by the unique `_id`: the loser takes the next number.
   */
  async register(
    entry: Omit<ModelVersion, '_id' | 'version' | 'createdAt' | 'stageChangedAt'>,
  ): Promise<ModelVersion> {
    for (;;) {
      const newest = await this.model
        .findOne({ model: entry.model }, { version: 1 })
        .sort({ version: -1 })
        .lean();
      const version = (newest?.version ?? 0) + 1;
      const now = new Date();
      const doc: ModelVersion = {
        ...entry,
        _id: `${entry.model}@${version}`,
        version,
        createdAt: now,
        stageChangedAt: now,
      };
      try {
        await this.model.create(doc);
        return doc;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  get(model: string, version: number): Promise<ModelVersion | null> {
    return this.model.findById(`${model}@${version}`).lean<ModelVersion>().exec();
  }

  versions(model: string): Promise<ModelVersion[]> {
    return this.model.find({ model }).sort({ version: -1 }).lean<ModelVersion[]>().exec();
  }

  /**
   * Every model with its version count and latest version. Counted here, not with `$group`:
   * FerretDB 1.x does not implement the `$max` accumulator (the list answered 500 there), and a
   * registry holds versions by the hundred, not the million.
   */
  async models(): Promise<Array<{ model: string; versions: number; latest: number }>> {
    const docs = await this.model
      .find({}, { _id: 0, model: 1, version: 1 })
      .lean<Array<{ model: string; version: number }>>()
      .exec();
    const byModel = new Map<string, { model: string; versions: number; latest: number }>();
    for (const { model, version } of docs) {
      const m = byModel.get(model) ?? { model, versions: 0, latest: 0 };
      m.versions++;
      m.latest = Math.max(m.latest, version);
      byModel.set(model, m);
    }
    return [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
  }

  async setStage(model: string, version: number, stage: ModelStage): Promise<void> {
    await this.model.updateOne(
      { _id: `${model}@${version}` },
      { $set: { stage, stageChangedAt: new Date() } },
    );
  }
}
