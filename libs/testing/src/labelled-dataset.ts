import {
  createRandom,
  fitTransform,
  statsOf,
  type RawValue,
  type TransformSpec,
} from '@keelson/ml';
import type { DatasetSchemaBody } from '@keelson/schemas';
import { uniqueId } from './infra';

/**
 * The repositories seeding writes through, by shape: @keelson/persistence's own tests use this lib,
 * so it cannot import that one back.
 */
export interface SeedStores {
  datasets: {
    saveVersion(name: string, body: DatasetSchemaBody, current: number): Promise<unknown>;
  };
  records: {
    insertNew(
      docs: Array<{
        _id: string;
        dataset: string;
        recordId: string;
        schemaVersion: number;
        values: Record<string, unknown>;
        receivedAt: Date;
        via: 'http' | 'nats';
        origin: string;
      }>,
    ): Promise<unknown>;
  };
  transforms: { create(spec: TransformSpec): Promise<unknown> };
  /** The raw-record `_id` scheme (persistence's `rawRecordId`). */
  recordId(dataset: string, recordId: string): string;
}

/** A small churn dataset: numeric fields with missing values, a category, a boolean label. */
export const CHURN_SCHEMA: DatasetSchemaBody = {
  label: 'churned',
  key: 'id',
  fields: {
    id: { type: 'category' },
    tenure: { type: 'number', required: false },
    spend: { type: 'number' },
    plan: { type: 'category', required: false },
    churned: { type: 'boolean' },
  },
};

/** Labelled records from a known logistic model, with missing values: learnable, not trivial. */
export function churnRecords(rows: number, seed = 3): Array<Record<string, RawValue>> {
  const random = createRandom(seed);
  const plans = ['basic', 'plus', 'pro'];
  return Array.from({ length: rows }, (_, i) => {
    const tenure = random.normal();
    const spend = random.normal();
    const plan = plans[random.below(3)];
    const z = -0.3 - 1.8 * tenure + 0.9 * spend + (plan === 'basic' ? 0.8 : 0);
    return {
      id: `c${i}`,
      tenure: random.uniform() < 0.05 ? null : tenure,
      spend,
      plan: random.uniform() < 0.03 ? null : plan,
      churned: random.uniform() < 1 / (1 + Math.exp(-z)),
    };
  });
}

/**
 * Registers a churn dataset with `rows` stored records and a fitted transform, as ingestion and
 * preprocessing would leave it: what training needs, without running those services.
 */
export async function seedChurnDataset(
  stores: SeedStores,
  rows: number,
  seed = 3,
  dataset = `churn_${uniqueId()}`,
): Promise<string> {
  await stores.datasets.saveVersion(dataset, CHURN_SCHEMA, 0);
  const records = churnRecords(rows, seed);
  const start = Date.now() - rows;
  await stores.records.insertNew(
    records.map((values, i) => ({
      _id: stores.recordId(dataset, String(values.id)),
      dataset,
      recordId: String(values.id),
      schemaVersion: 1,
      values,
      receivedAt: new Date(start + i),
      via: 'nats' as const,
      origin: 'test',
    })),
  );
  await stores.transforms.create(
    fitTransform({ name: dataset, version: 1, ...CHURN_SCHEMA }, statsOf(CHURN_SCHEMA, records), 1),
  );
  return dataset;
}
