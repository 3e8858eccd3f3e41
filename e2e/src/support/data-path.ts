import { ApiKeyRepository, FeatureRowRepository } from '@keelson/persistence';
import type { Connection } from 'mongoose';

/** An admin key in the test's own database, generous enough never to be rate limited. */
export async function createAdminKey(connection: Connection): Promise<string> {
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'e2e',
    scopes: ['admin'],
    ratePerSecond: 10_000,
    burst: 10_000,
  });
  return key;
}

/** Registers `dataset` with ingestion (its schema: label, key and fields); expects 201. */
export async function registerDataset(
  ingestionUrl: string,
  key: string,
  dataset: string,
  schema: { label: string; key: string; fields: Record<string, unknown> },
): Promise<void> {
  const put = await fetch(`${ingestionUrl}/v1/datasets/${dataset}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(schema),
  });
  if (put.status !== 201)
    throw new Error(`registering ${dataset}: ${put.status} ${await put.text()}`);
}

/**
 * A dataset's feature rows, stored per validated event: every row, and the distinct records
 * among them (equal when no record was turned into rows twice).
 */
export async function featureRows(
  connection: Connection,
  dataset: string,
): Promise<{ rows: number; records: number }> {
  const ids = await new FeatureRowRepository(connection).recordIdsOf(dataset);
  return { rows: ids.length, records: new Set(ids).size };
}
