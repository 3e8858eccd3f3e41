import type { Connection } from 'mongoose';
import { statsOf } from '@keelson/ml';
import { privateDatabase, testInfra, uniqueId, waitFor } from '@keelson/testing';
import { ApiKeyRepository } from '../src/api-key.repository';
import { connectMongo } from '../src/connection';
import { DatasetRepository } from '../src/dataset.repository';
import { FeatureStatsRepository } from '../src/feature-stats.repository';
import { ProcessedEventRepository } from '../src/processed-event.repository';
import { RawRecordRepository, rawRecordId } from '../src/raw-record.repository';
import { TransformRepository } from '../src/transform.repository';

describe('repositories on FerretDB', () => {
  let connection: Connection;
  const dataset = `ds_${uniqueId()}`;
  beforeAll(async () => {
    connection = await connectMongo({ url: testInfra.mongoUrl });
  });
  afterAll(() => connection.close());

  it('stores raw records once and names the duplicates of a batch', async () => {
    const records = new RawRecordRepository(connection);
    const doc = (id: string) => ({
      _id: rawRecordId(dataset, id),
      dataset,
      recordId: id,
      schemaVersion: 1,
      values: { a: 1 },
      receivedAt: new Date(),
      via: 'http' as const,
      origin: 'test',
    });
    expect(await records.insertNew([doc('a'), doc('b')])).toEqual({
      inserted: 2,
      duplicateIds: new Set(),
    });
    const second = await records.insertNew([doc('b'), doc('c'), doc('a'), doc('d')]);
    expect(second).toEqual({
      inserted: 2,
      duplicateIds: new Set([rawRecordId(dataset, 'a'), rawRecordId(dataset, 'b')]),
    });
    expect(await records.countFor(dataset)).toBe(4);
  });

  it('creates on FerretDB only the indexes that refuse duplicates, which it still enforces', async () => {
    const own = await connectMongo({
      url: testInfra.mongoUrl.replace(/[^/]*$/, `ix_${uniqueId()}`),
    });
    try {
      const records = new RawRecordRepository(own);
      const processed = new ProcessedEventRepository(own);
      await records.ensureIndexes();
      await processed.ensureIndexes();
      const names = async (collection: string) =>
        (await own.collection(collection).indexes()).map((i) => i.name).sort();
      // records' look-up indexes would only be kept up on every write: FerretDB reads none.
      expect(await names('records')).toEqual(['_id_']);
      expect(await names('processed_events')).toEqual(['_id_', 'consumer_1_eventId_1']);
      expect(await processed.markProcessed('c', 'e1')).toBe(true);
      expect(await processed.markProcessed('c', 'e1')).toBe(false);
    } finally {
      await own.dropDatabase();
      await own.close();
    }
  });

  it('never reports a batch as stored when the database went away mid-write', async () => {
    const db = await privateDatabase();
    const own = await connectMongo({ url: db.url('gone') });
    try {
      const records = new RawRecordRepository(own);
      const doc = (id: string) => ({
        _id: id,
        dataset,
        recordId: id,
        schemaVersion: 1,
        values: {},
        receivedAt: new Date(),
        via: 'http' as const,
        origin: 'test',
      });
      expect((await records.insertNew([doc('a')])).inserted).toBe(1);
      await db.stop();
      // The driver reports the dropped socket as a bulk write error with no write errors.
      await expect(records.insertNew([doc('b')])).rejects.toThrow();
    } finally {
      await own.close();
    }
  });

  it('versions dataset schemas and refuses a concurrent update of the same version', async () => {
    const datasets = new DatasetRepository(connection);
    await datasets.ensureIndexes();
    const v1 = { label: 'y', fields: { y: { type: 'boolean' as const } } };
    expect(await datasets.saveVersion(dataset, v1, 0)).toMatchObject({
      outcome: 'created',
      dataset: { name: dataset, version: 1 },
    });
    const v2 = { ...v1, fields: { ...v1.fields, x: { type: 'number' as const, required: false } } };
    const [a, b] = await Promise.all([
      datasets.saveVersion(dataset, v2, 1),
      datasets.saveVersion(dataset, v2, 1),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(['conflict', 'updated']);
    expect(await datasets.get(dataset)).toMatchObject({ version: 2, fields: v2.fields });
    expect((await datasets.history(dataset)).map((d) => d.version)).toEqual([2, 1]);
  });

  it('merges statistics from concurrent writers (two instances) without losing any', async () => {
    // Two repositories stand for two preprocessing instances: each serialises its own merges, so
    // the contention between them is real.
    const instances = [
      new FeatureStatsRepository(connection),
      new FeatureStatsRepository(connection),
    ];
    const stats = instances[0];
    const schema = { fields: { x: { type: 'number' as const }, c: { type: 'category' as const } } };
    const batches = Array.from({ length: 8 }, (_, i) =>
      statsOf(schema, [
        { x: i, c: 'a.b' },
        { x: i + 1, c: '$odd' },
      ]),
    );
    await Promise.all(batches.map((b, i) => instances[i % 2].merge(dataset, b, [`batch${i}`])));
    const merged = (await stats.get(dataset))!;
    expect(merged.records).toBe(16);
    expect(merged.fields.x).toMatchObject({ count: 16, mean: 4 });
    expect(merged.fields.c).toMatchObject({ counts: { 'a.b': 8, $odd: 8 } });
    // Each revision lists what it counted: a retry can tell whether its batch already was.
    const counted = await stats.counted(dataset, ['batch0', 'batch7', 'never']);
    expect([...counted.keys()].sort()).toEqual(['batch0', 'batch7']);
  });

  it('finds the newest statistics revision by id, from any start, as revisions accumulate', async () => {
    const name = `${dataset}_revs`;
    const writer = new FeatureStatsRepository(connection);
    const schema = { fields: { x: { type: 'number' as const } } };
    for (let i = 1; i <= 70; i++) {
      await writer.merge(name, statsOf(schema, [{ x: i }]), [`b${i}`]);
      // A new instance knows no revision: it must search for the newest from nothing.
      if ([1, 2, 3, 8, 9, 16, 17, 64, 70].includes(i))
        expect((await new FeatureStatsRepository(connection).get(name))?.records).toBe(i);
    }
    // A reader that saw revision 70 finds a newer one another instance wrote.
    const reader = new FeatureStatsRepository(connection);
    expect((await reader.get(name))?.records).toBe(70);
    await writer.merge(name, statsOf(schema, [{ x: 0 }]), ['b71']);
    expect((await reader.get(name))?.records).toBe(71);
    // Which revision counted a batch: a recent one by id, an old one by a search, none for never.
    const counted = await reader.counted(name, ['b1', 'b71', 'never']);
    expect(Object.fromEntries(counted)).toEqual({ b1: 1, b71: 71 });
    // Revisions behind the kept window (5) are emptied one by one; the newest stay whole.
    const emptied = () =>
      connection.collection('feature_stats').countDocuments({ dataset: name, stats: '' });
    await waitFor('66 of 71 revisions emptied', async () => (await emptied()) === 66);
    expect(await new FeatureStatsRepository(connection).get('never-merged')).toBeNull();
  });

  it('keeps the first writer of a transform version', async () => {
    const transforms = new TransformRepository(connection);
    const spec = (fitted: number) => ({
      dataset,
      version: 1,
      schemaVersion: 1,
      fittedOnRecords: fitted,
      features: [],
      featureNames: [],
      label: { field: 'y', kind: 'regression' as const },
    });
    await transforms.create(spec(10));
    expect((await transforms.create(spec(99))).fittedOnRecords).toBe(10);
    expect((await transforms.latest(dataset))?.fittedOnRecords).toBe(10);
  });

  it('verifies API keys by their hash only, and honours revocation', async () => {
    const keys = new ApiKeyRepository(connection);
    const { key, apiKey } = await keys.create({
      name: 'producer',
      scopes: ['ingest'],
      ratePerSecond: 10,
      burst: 20,
    });
    expect(key).toMatch(/^kls_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(await keys.verify(key)).toEqual(apiKey);
    expect(await keys.verify(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await keys.verify('not-a-key')).toBeNull();
    const stored = await connection.collection('api_keys').findOne({ _id: apiKey.id as never });
    // The secret is base64url and may itself contain '_': cut by the known prefix, not by splitting.
    expect(JSON.stringify(stored)).not.toContain(key.slice(`kls_${apiKey.id}_`.length));
    expect(await keys.revoke(apiKey.id)).toBe(true);
    expect(await keys.verify(key)).toBeNull();
  });
});
