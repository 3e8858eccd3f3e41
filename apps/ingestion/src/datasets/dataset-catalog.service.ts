import { Injectable } from '@nestjs/common';
import {
  breakingChanges,
  checkDatasetSchema,
  compileRecordValidator,
  sameSchema,
  type RecordVerdict,
} from '@keelson/datasets';
import { DatasetRepository } from '@keelson/persistence';
import { isSubjectToken, type DatasetDefinition, type DatasetSchemaBody } from '@keelson/schemas';
import { ApiError } from '@keelson/service-kit';

export interface CompiledDataset {
  definition: DatasetDefinition;
  validate: (record: unknown) => RecordVerdict;
}

// Schemas change rarely and every batch needs one: a short cache keeps the database off the hot
// path, and a new version is picked up within this time on every instance.
const CACHE_MS = 2_000;
const MAX_CACHED = 1_000;

export type RegisterOutcome = {
  status: 'created' | 'updated' | 'unchanged';
  dataset: DatasetDefinition;
};

@Injectable()
export class DatasetCatalog {
  private readonly cache = new Map<string, { compiled: CompiledDataset; until: number }>();

  constructor(private readonly datasets: DatasetRepository) {}

  /** The dataset with its compiled record validator, or null if it is not registered. */
  async get(name: string): Promise<CompiledDataset | null> {
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now()) return hit.compiled;
    const definition = await this.datasets.get(name);
    // Misses are not cached: records sent right after a dataset is registered must find it, and
    // random names must not grow the cache.
    if (!definition) return null;
    const compiled = { definition, validate: compileRecordValidator(definition) };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(name, { compiled, until: Date.now() + CACHE_MS });
    return compiled;
  }

  /**
   * Registers a dataset or a new version of its schema. A change that would break the records
   * already stored is refused (409) with every reason.
   */
  async register(name: string, body: unknown): Promise<RegisterOutcome> {
    if (!isSubjectToken(name))
      throw ApiError.badRequest('invalid dataset name', [
        { field: 'name', reason: 'must be 1-128 letters, digits, _ or -' },
      ]);
    const checked = checkDatasetSchema(body);
    if (!checked.ok) throw ApiError.badRequest('invalid dataset schema', checked.reasons);
    const schema: DatasetSchemaBody = checked.schema;
    const current = await this.datasets.get(name);
    if (current) {
      const { name: _n, version: _v, ...currentSchema } = current;
      if (sameSchema(currentSchema, schema)) return { status: 'unchanged', dataset: current };
      const reasons = breakingChanges(currentSchema, schema);
      if (reasons.length > 0) {
        throw new ApiError(
          409,
          `this change would break the records stored under version ${current.version}; register a new dataset instead`,
          reasons.map((reason) => ({ field: 'schema', reason })),
        );
      }
    }
    const saved = await this.datasets.saveVersion(name, schema, current?.version ?? 0);
    if (saved.outcome === 'conflict')
      throw new ApiError(
        409,
        `dataset ${name} was changed concurrently (now version ${saved.current.version}); retry`,
      );
    this.cache.delete(name);
    return { status: saved.outcome, dataset: saved.dataset };
  }
}
