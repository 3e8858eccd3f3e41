import type { Connection, Model, Schema } from 'mongoose';

export const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: number })?.code === DUPLICATE_KEY;
}

/**
 * Whether the database is FerretDB (the embedded default), whose SQLite backend plans every query
 * but one by `_id` as a scan: its secondary indexes are kept up on every write and never read.
 */
export async function isFerretDb(connection: Connection): Promise<boolean> {
  const build = await connection.db!.admin().command({ buildInfo: 1 });
  return typeof build.ferretdbVersion === 'string';
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
   *
   * On FerretDB only the unique ones: its SQLite backend reads no secondary index (every query
   * but one by `_id` is a scan), yet evaluates each index's expression on every write, which
   * parses the stored document once more per index. A unique index still refuses duplicates, so
   * it stays. Indexes an earlier version created are left as they are.
   */
  async ensureIndexes(): Promise<void> {
    if (!(await isFerretDb(this.model.db))) {
      await this.model.createIndexes();
      return;
    }
    for (const [fields, options] of this.model.schema.indexes())
      if (options?.unique)
        await this.model.collection.createIndex(fields as Record<string, 1 | -1>, {
          ...(options as object),
          unique: true,
        });
  }
}

/**
 * Inserts documents whose `_id` is their natural key, unordered, and reports which ids were
 * already stored: the atomic "is this new?" that idempotent consumers need, without transactions.
 *
 * Strict on purpose: only an error made entirely of duplicate-key write errors, which together with
 * the inserted count account for every document, is a success. A network failure also surfaces as
 * a bulk write error (with no write errors), and must never read as "all inserted".
 */
export async function insertNew<T extends { _id: string }>(
  model: Model<T>,
  docs: T[],
): Promise<{ inserted: number; duplicateIds: Set<string> }> {
  const duplicateIds = new Set<string>();
  if (docs.length === 0) return { inserted: 0, duplicateIds };
  try {
    const result = await model.collection.insertMany(docs as never[], { ordered: false });
    if (result.insertedCount !== docs.length)
      throw new Error(`inserted ${result.insertedCount} of ${docs.length} documents`);
    return { inserted: docs.length, duplicateIds };
  } catch (error) {
    const e = error as {
      writeErrors?: unknown;
      insertedCount?: number;
      result?: { insertedCount?: number };
    };
    const writeErrors = (
      Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []
    ) as Array<{
      code?: number;
      index?: number;
      err?: { code?: number; index?: number };
    }>;
    if (writeErrors.length === 0) throw error;
    for (const w of writeErrors) {
      const code = w.code ?? w.err?.code;
      const index = w.index ?? w.err?.index;
      if (code !== DUPLICATE_KEY || index === undefined) throw error;
      duplicateIds.add(docs[index]._id);
    }
    const inserted = e.insertedCount ?? e.result?.insertedCount;
    if (inserted === undefined || inserted + duplicateIds.size !== docs.length) throw error;
    return { inserted, duplicateIds };
  }
}

/**
 * Splits a list of `_id`s for `_id: {$in}` queries. FerretDB (patched, tools/infra/patches) looks
 * each slice up by its index, then tests every document it found against the whole list again,
 * in Go: a query's cost grows with found x listed, so 100 slices of 100 ids take a fifth of the
 * time of one list of 10,000 (measured: a delete of 10,000 by id 2,185 ms at once, 739 ms sliced).
 */
export const ID_SLICE = 100;

export function idSlices<T>(ids: readonly T[], size = ID_SLICE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}
