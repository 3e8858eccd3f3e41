import type { Connection, Model, Schema } from 'mongoose';

export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: number })?.code === DUPLICATE_KEY;
}

/**
 * Base for the small repositories that own one collection each. Subclasses add the queries their
 * app needs; this holds the model and the index set-up.
 */
export abstract class Repository<T> {
  protected readonly model: Model<T>;

  protected constructor(connection: Connection, name: string, schema: Schema<T>) {
    this.model =
      (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
  }

  /**
   * Creates the declared indexes. Called at start-up by the owning service (autoIndex is off
   * outside development); idempotent. Index options that changed are reported, not rebuilt, so a
   * deploy never drops an index under load.
   */
  async ensureIndexes(): Promise<void> {
    await this.model.createIndexes();
  }
}
