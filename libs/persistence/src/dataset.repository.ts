import { Schema, type Connection } from 'mongoose';
import type { DatasetDefinition, DatasetSchemaBody } from '@keelson/schemas';
import { isDuplicateKeyError, Repository } from './repository';

interface DatasetVersionDoc {
  /** `<name>@<version>`. */
  _id: string;
  name: string;
  version: number;
  schema: DatasetSchemaBody;
  createdAt: Date;
}

const schema = new Schema<DatasetVersionDoc>(
  { _id: String, name: String, version: Number, schema: Schema.Types.Mixed, createdAt: Date },
  { collection: 'dataset_versions', versionKey: false },
);
// Serves get() and history(): one dataset's versions, newest first.
schema.index({ name: 1, version: -1 });

export type SaveOutcome =
  | { outcome: 'created' | 'updated'; dataset: DatasetDefinition }
  | { outcome: 'conflict'; current: DatasetDefinition };

/**
 * Dataset schemas and their history. Every version is its own document under `<name>@<version>`
 * and the current one is the newest: the unique _id makes two concurrent updates of the same
 * version impossible without transactions or a conditional update (which FerretDB does not make
 * atomic), and nothing can point at a stale version.
 */
export class DatasetRepository extends Repository<DatasetVersionDoc> {
  constructor(connection: Connection) {
    super(connection, 'DatasetVersion', schema);
  }

  async get(name: string): Promise<DatasetDefinition | null> {
    const doc = await this.model.findOne({ name }).sort({ version: -1 }).lean<DatasetVersionDoc>();
    return doc ? toDefinition(doc) : null;
  }

  async getVersion(name: string, version: number): Promise<DatasetDefinition | null> {
    const doc = await this.model.findById(`${name}@${version}`).lean<DatasetVersionDoc>();
    return doc ? toDefinition(doc) : null;
  }

  async history(name: string): Promise<DatasetDefinition[]> {
    const docs = await this.model.find({ name }).sort({ version: -1 }).lean<DatasetVersionDoc[]>();
    return docs.map(toDefinition);
  }

  async list(): Promise<DatasetDefinition[]> {
    const docs = await this.model.find().sort({ name: 1, version: -1 }).lean<DatasetVersionDoc[]>();
    const latest = new Map<string, DatasetVersionDoc>();
    for (const d of docs) if (!latest.has(d.name)) latest.set(d.name, d);
    return [...latest.values()].map(toDefinition);
  }

  /** Stores `schema` as the version after `currentVersion` (0 for a new dataset). */
  async saveVersion(
    name: string,
    body: DatasetSchemaBody,
    currentVersion: number,
  ): Promise<SaveOutcome> {
    const version = currentVersion + 1;
    try {
      await this.model.create({
        _id: `${name}@${version}`,
        name,
        version,
        schema: body,
        createdAt: new Date(),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return { outcome: 'conflict', current: (await this.get(name))! };
    }
    return { outcome: version === 1 ? 'created' : 'updated', dataset: { ...body, name, version } };
  }
}

function toDefinition(doc: DatasetVersionDoc): DatasetDefinition {
  return { ...doc.schema, name: doc.name, version: doc.version };
}
