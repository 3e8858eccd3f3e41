import type { Connection } from 'mongoose';
import { testInfra, uniqueId } from '@keelson/testing';
import { connectMongo } from '../src/connection';
import {
  featureRowBatchId,
  FeatureRowRepository,
  type FeatureRow,
  type FeatureRowBatchDoc,
} from '../src/feature-row.repository';

describe('feature-row batches on FerretDB', () => {
  let connection: Connection;
  let repository: FeatureRowRepository;
  const dataset = `fr_${uniqueId()}`;
  const batch = (eventId: string, rows: FeatureRow[]): FeatureRowBatchDoc => ({
    _id: featureRowBatchId(dataset, eventId),
    dataset,
    eventId,
    transformVersion: 2,
    rows,
    count: rows.length,
    createdAt: new Date(),
  });
  const raw = (id: string) =>
    connection
      .collection<{ _id: string } & Record<string, unknown>>('feature_row_batches')
      .findOne({ _id: id });

  beforeAll(async () => {
    connection = await connectMongo({ url: testInfra.mongoUrl });
    repository = new FeatureRowRepository(connection);
  });
  afterAll(() => connection.close());

  it('stores the features packed and reads every value back exactly', async () => {
    const values = [0, -0.5, 1 / 3, 1e-300, -1.7976931348623157e308, 123456789.12345679, 5e-324];
    const rows = Array.from({ length: 50 }, (_, r) => ({
      recordId: `r${r}`,
      features: values.map((v) => v * (r + 1)),
      label: r % 3 === 0 ? null : r % 2,
    }));
    const doc = batch('packed', rows);
    expect(await repository.insertNew([doc])).toEqual({ inserted: 1, duplicateIds: new Set() });
    const stored = (await raw(doc._id))!;
    expect(stored.rows).toBeUndefined();
    expect(stored).toMatchObject({ width: values.length, count: 50 });
    expect(stored.recordIds).toEqual(rows.map((r) => r.recordId));
    const [back] = await repository.findByIds([doc._id]);
    expect(back).toEqual(doc);
  });

  it('keeps rows of different widths as rows, and names a redelivered batch a duplicate', async () => {
    const doc = batch('ragged', [
      { recordId: 'a', features: [1, 2], label: 1 },
      { recordId: 'b', features: [3], label: 0 },
    ]);
    await repository.insertNew([doc]);
    expect((await raw(doc._id))!.rows).toEqual(doc.rows);
    const again = await repository.insertNew([doc, batch('empty', [])]);
    expect(again).toEqual({ inserted: 1, duplicateIds: new Set([doc._id]) });
    const found = await repository.findByIds([doc._id, featureRowBatchId(dataset, 'empty')]);
    expect(found.map((d) => d.rows).sort((a, b) => a.length - b.length)).toEqual([[], doc.rows]);
  });

  it('reads documents stored before the packing, with their rows as objects', async () => {
    const old = batch('before-packing', [{ recordId: 'x', features: [0.25, 4], label: 1 }]);
    await connection.collection('feature_row_batches').insertOne(old as never);
    expect(await repository.findByIds([old._id])).toEqual([old]);
    const all = await repository.findByDataset(dataset);
    expect(all.map((d) => d.eventId).sort()).toEqual(
      ['before-packing', 'empty', 'packed', 'ragged'].sort(),
    );
    expect(await repository.countFor(dataset)).toBe(50 + 2 + 0 + 1);
    const ids = await repository.recordIdsOf(dataset);
    expect(ids.sort()).toEqual(
      [...Array.from({ length: 50 }, (_, r) => `r${r}`), 'a', 'b', 'x'].sort(),
    );
  });

  it('refuses a packed document whose bytes do not match its rows, naming it', async () => {
    const id = featureRowBatchId(dataset, 'torn');
    await connection.collection('feature_row_batches').insertOne({
      _id: id,
      dataset,
      eventId: 'torn',
      transformVersion: 1,
      recordIds: ['a', 'b'],
      labels: [0, 1],
      width: 2,
      features: Buffer.alloc(8 * 3),
      count: 2,
      createdAt: new Date(),
    } as never);
    await expect(repository.findByIds([id])).rejects.toThrow(
      `feature-row batch ${id}: 24 bytes for 2 rows of 2`,
    );
  });
});
