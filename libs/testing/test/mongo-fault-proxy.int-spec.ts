import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type MongoClientOptions,
} from 'mongodb';
import mongoose, { Schema } from 'mongoose';
import { testInfra, uniqueId } from '../src/infra';
import {
  startMongoFaultProxy,
  WRITE_REFUSED,
  type MongoFaultProxy,
} from '../src/mongo-fault-proxy';
import { waitFor } from '../src/wait-for';

/** The error a refused write surfaces as, from the driver or through mongoose. */
const refusedWrite = expect.objectContaining({
  code: WRITE_REFUSED.code,
  codeName: WRITE_REFUSED.codeName,
  errmsg: expect.stringContaining('fail-writes'),
});

/** Runs `operation` and returns what it threw and how long that took. */
async function failure(operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await operation();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the operation to fail');
}

describe('MongoDB fault proxy in front of the real FerretDB', () => {
  const dbName = `faultproxy_${uniqueId()}`;
  let proxy: MongoFaultProxy;
  const clients: MongoClient[] = [];

  const client = async (options: MongoClientOptions = {}) => {
    const opened = new MongoClient(proxy.url(dbName), {
      serverSelectionTimeoutMS: 2_000,
      heartbeatFrequencyMS: 500,
      ...options,
    });
    clients.push(opened);
    await opened.connect();
    return opened;
  };
  const ping = (c: MongoClient) => c.db('admin').command({ ping: 1 });

  beforeAll(async () => {
    proxy = await startMongoFaultProxy({ target: testInfra.mongoUrl });
  });
  afterEach(() => proxy.setMode('pass'));
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await proxy.close();
    // Around the proxy, so the cleanup cannot depend on the code under test.
    const direct = new MongoClient(testInfra.mongoUrl);
    await direct.db(dbName).dropDatabase();
    await direct.close();
  });

  it('passes reads and writes through unchanged and counts them', async () => {
    const items = (await client()).db(dbName).collection('items');
    proxy.resetStats();

    await items.insertOne({ _id: 'a' as never, n: 1 });
    expect(await items.findOne({ _id: 'a' as never })).toEqual({ _id: 'a', n: 1 });
    expect(proxy.stats.forwarded).toMatchObject({ insert: 1, find: 1 });
    expect(proxy.stats.refused).toEqual({});
  });

  it('carries messages larger than one TCP read intact, both ways and in either mode', async () => {
    const items = (await client()).db(dbName).collection<{ _id: string; blob: string }>('large');
    const blob = 'x'.repeat(3 * 1024 * 1024);

    await items.insertOne({ _id: 'big', blob });
    expect((await items.findOne({ _id: 'big' }))?.blob).toBe(blob);

    proxy.setMode('fail-writes');
    await expect(items.insertOne({ _id: 'bigger', blob: blob + blob })).rejects.toEqual(
      refusedWrite,
    );
    expect((await items.findOne({ _id: 'big' }))?.blob).toBe(blob);
  });

  it('in fail-writes mode answers pings and reads but refuses writes at once, then recovers', async () => {
    const c = await client();
    const items = c.db(dbName).collection<{ _id: string; n: number }>('refusals');
    await items.insertOne({ _id: 'kept', n: 1 });
    proxy.setMode('fail-writes');
    proxy.resetStats();

    await expect(ping(c)).resolves.toMatchObject({ ok: 1 });
    expect(await items.find().toArray()).toEqual([{ _id: 'kept', n: 1 }]);
    expect(await items.countDocuments()).toBe(1);

    const insertOne = await failure(() => items.insertOne({ _id: 'lost', n: 2 }));
    expect(insertOne.error).toBeInstanceOf(MongoServerError);
    expect(insertOne.error).toEqual(refusedWrite);
    expect(insertOne.ms).toBeLessThan(1_000);

    // insertMany goes through the bulk API, which wraps the server's answer in its own class.
    const insertMany = await failure(() =>
      items.insertMany([
        { _id: 'x', n: 3 },
        { _id: 'y', n: 4 },
      ]),
    );
    expect(insertMany.error).toBeInstanceOf(MongoBulkWriteError);
    expect(insertMany.error).toEqual(expect.objectContaining({ code: WRITE_REFUSED.code }));
    expect(insertMany.ms).toBeLessThan(1_000);

    for (const write of [
      () => items.updateOne({ _id: 'kept' }, { $set: { n: 9 } }),
      () => items.deleteOne({ _id: 'kept' }),
      () => items.findOneAndUpdate({ _id: 'kept' }, { $inc: { n: 1 } }),
    ]) {
      const refused = await failure(write);
      expect(refused.error).toEqual(refusedWrite);
      expect(refused.ms).toBeLessThan(1_000);
    }

    expect(proxy.stats.refused).toEqual({ insert: 2, update: 1, delete: 1, findAndModify: 1 });
    expect(proxy.stats.forwarded).toMatchObject({ ping: 1, find: 1, aggregate: 1 });
    expect(await items.find().toArray()).toEqual([{ _id: 'kept', n: 1 }]);

    proxy.setMode('pass');
    await items.insertOne({ _id: 'after', n: 5 });
    expect(await items.countDocuments()).toBe(2);
  });

  it('keeps each reply on its own connection when refusals and reads interleave', async () => {
    const c = await client({ maxPoolSize: 4 });
    const items = c.db(dbName).collection<{ _id: number }>('interleaved');
    await items.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i })));
    proxy.setMode('fail-writes');

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? items.findOne({ _id: i })
          : items.insertOne({ _id: 100 + i }).catch((error: unknown) => error),
      ),
    );

    outcomes.forEach((outcome, i) => {
      if (i % 2 === 0) expect(outcome).toEqual({ _id: i });
      else expect(outcome).toEqual(refusedWrite);
    });
  });

  it('refuses writes made through mongoose the way the services connect', async () => {
    const connection = mongoose.createConnection(proxy.url(dbName), {
      autoIndex: false,
      bufferCommands: false,
      serverSelectionTimeoutMS: 2_000,
      heartbeatFrequencyMS: 2_000,
    });
    try {
      await connection.asPromise();
      const Record = connection.model(
        'FaultProxyRecord',
        new Schema({ key: String, n: Number }, { collection: 'records', versionKey: false }),
      );
      await Record.create({ key: 'first', n: 1 });
      proxy.setMode('fail-writes');

      await expect(connection.db?.admin().command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
      expect(await Record.findOne({ key: 'first' }).lean()).toMatchObject({ key: 'first', n: 1 });
      const create = await failure(() => Record.create({ key: 'second', n: 2 }));
      expect(create.error).toBeInstanceOf(MongoServerError);
      expect(create.error).toEqual(refusedWrite);
      expect(create.ms).toBeLessThan(1_000);
      await expect(Record.updateOne({ key: 'first' }, { n: 3 })).rejects.toEqual(refusedWrite);

      proxy.setMode('pass');
      await Record.create({ key: 'third', n: 3 });
      expect(await Record.countDocuments()).toBe(2);
    } finally {
      await connection.close();
    }
  });

  it('in blackhole mode lets a ping hang until the client gives up', async () => {
    const c = await client({ socketTimeoutMS: 500 });
    await ping(c);
    proxy.setMode('blackhole');
    proxy.resetStats();

    const hung = await failure(() => ping(c));
    expect(hung.error).toBeInstanceOf(MongoNetworkError);
    expect((hung.error as Error).message).toMatch(/timed out/);
    expect(proxy.stats.dropped).toMatchObject({ ping: 1 });
    expect(proxy.stats.forwarded).toEqual({});

    proxy.setMode('pass');
    await waitFor('the same client to ping again', () => ping(c));
  });

  it('in refuse mode drops open connections and turns new ones away', async () => {
    const c = await client();
    await ping(c);
    proxy.setMode('refuse');

    await expect(ping(c)).rejects.toBeInstanceOf(MongoNetworkError);
    const fresh = new MongoClient(proxy.url(dbName), { serverSelectionTimeoutMS: 500 });
    clients.push(fresh);
    await expect(ping(fresh)).rejects.toBeInstanceOf(MongoServerSelectionError);

    proxy.setMode('pass');
    await waitFor('the same client to ping again', () => ping(c));
  });
});
