import type { Connection } from 'mongoose';
import { testInfra, uniqueId } from '@keelson/testing';
import { connectMongo } from '../src/connection';

/**
 * Every hot path of the data path reads and writes by `_id` (docs/persistence.md): on the
 * embedded FerretDB those must use the `_id` index, or their cost grows with every document ever
 * stored. Upstream FerretDB 1.24 scans for all of them; tools/infra/patches fixes it. This fails
 * when the database the suites run on is an unpatched FerretDB.
 */
describe('look-ups by _id use the index, whatever else is stored', () => {
  let connection: Connection;
  const name = `id_lookups_${uniqueId()}`;
  beforeAll(async () => {
    connection = await connectMongo({ url: testInfra.mongoUrl });
    const docs = Array.from({ length: 2_000 }, (_, i) => ({ _id: `k${i}`, n: i, tag: i % 7 }));
    await connection.collection(name).insertMany(docs as never[]);
  });
  afterAll(async () => {
    await connection.collection(name).drop();
    await connection.close();
  });

  /** How the server plans `filter`: true when it searches an index, false when it scans. */
  async function usesIndex(filter: Record<string, unknown>): Promise<boolean> {
    const db = connection.db!;
    const build = await db.admin().command({ buildInfo: 1 });
    const plan = await db.command({ explain: { find: name, filter }, verbosity: 'queryPlanner' });
    if (build.ferretdbVersion) {
      const steps = (plan.queryPlanner as { Plan?: string[] }).Plan ?? [];
      return steps.some((s) => /USING (INDEX|PRIMARY KEY)/.test(s));
    }
    return !JSON.stringify(plan.queryPlanner).includes('COLLSCAN');
  }

  it('answers equality, a list and an _id with other conditions from the index', async () => {
    expect(await usesIndex({ _id: 'k1999' })).toBe(true);
    expect(await usesIndex({ _id: { $in: ['k1', 'k1500', 'missing'] } })).toBe(true);
    expect(await usesIndex({ _id: 'k5', tag: 5 })).toBe(true);
  });

  it('still answers exactly what the whole filter asks', async () => {
    const c = connection.collection(name);
    expect(await c.findOne({ _id: 'k1999' as never })).toMatchObject({ n: 1999 });
    const listed = await c.find({ _id: { $in: ['k1', 'k1500', 'missing'] } as never }).toArray();
    expect(listed.map((d) => d.n).sort((a, b) => a - b)).toEqual([1, 1500]);
    // The _id part is pushed down; the rest of the filter is applied to what it selects.
    expect(await c.findOne({ _id: 'k5' as never, tag: 4 })).toBeNull();
    expect(await c.findOne({ _id: 'k5' as never, tag: 5 })).toMatchObject({ n: 5 });
    expect(await c.countDocuments({ _id: { $in: ['k2', 'k3', 'k4'] } as never, tag: 3 })).toBe(1);
    const updated = await c.updateMany(
      { _id: { $in: ['k7', 'k8'] } as never },
      { $set: { seen: true } },
    );
    expect(updated.modifiedCount).toBe(2);
    expect(await c.countDocuments({ seen: true })).toBe(2);
    const deleted = await c.deleteOne({ _id: 'k9' as never });
    expect(deleted.deletedCount).toBe(1);
    expect(await c.findOne({ _id: 'k9' as never })).toBeNull();
  });
});
