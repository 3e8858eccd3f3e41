import { Schema, type Connection } from 'mongoose';
import { testInfra, uniqueId } from '@keelson/testing';
import { connectMongo, isDatabaseReady, redact } from '../src/connection';
import { ProcessedEventRepository } from '../src/processed-event.repository';
import { isDuplicateKeyError, Repository } from '../src/repository';

interface Dataset {
  name: string;
  version: number;
  fields: string[];
}

class DatasetRepository extends Repository<Dataset> {
  constructor(connection: Connection, collection: string) {
    const schema = new Schema<Dataset>(
      { name: { type: String, required: true }, version: Number, fields: [String] },
      { collection, versionKey: false },
    );
    // Serves findByName(): one document per dataset name.
    schema.index({ name: 1 }, { unique: true });
    super(connection, `Dataset_${collection}`, schema);
  }
  create(d: Dataset) {
    return this.model.create(d);
  }
  findByName(name: string) {
    return this.model.findOne({ name }).lean();
  }
  bumpVersion(name: string) {
    return this.model.findOneAndUpdate({ name }, { $inc: { version: 1 } }, { new: true }).lean();
  }
  remove(name: string) {
    return this.model.deleteOne({ name });
  }
  drop() {
    return this.model.collection.drop();
  }
}

describe('persistence on the embedded MongoDB-compatible database (FerretDB)', () => {
  let connection: Connection;
  let datasets: DatasetRepository;

  beforeAll(async () => {
    connection = await connectMongo({ url: testInfra.mongoUrl });
    datasets = new DatasetRepository(connection, `datasets_${uniqueId()}`);
    await datasets.ensureIndexes();
  });
  afterAll(async () => {
    await datasets.drop();
    await connection.close();
  });

  it('answers readiness once connected', async () => {
    expect(await isDatabaseReady(connection)).toBe(true);
  });

  it('creates, reads, updates and deletes documents', async () => {
    await datasets.create({ name: 'credit', version: 1, fields: ['age', 'income'] });
    expect(await datasets.findByName('credit')).toMatchObject({
      name: 'credit',
      version: 1,
      fields: ['age', 'income'],
    });
    expect(await datasets.bumpVersion('credit')).toMatchObject({ version: 2 });
    await datasets.remove('credit');
    expect(await datasets.findByName('credit')).toBeNull();
  });

  it('enforces a unique index', async () => {
    await datasets.create({ name: 'iris', version: 1, fields: [] });
    const duplicate = await datasets
      .create({ name: 'iris', version: 2, fields: [] })
      .catch((e: unknown) => e);
    expect(isDuplicateKeyError(duplicate)).toBe(true);
    expect((await datasets.findByName('iris'))?.version).toBe(1);
  });

  it('records each event id once per consumer in the idempotency ledger, even under concurrent deliveries', async () => {
    const ledger = new ProcessedEventRepository(connection);
    await ledger.ensureIndexes();
    const consumer = `ledger-${uniqueId()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ledger.markProcessed(consumer, 'event-1')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await ledger.markProcessed(`${consumer}-other`, 'event-1')).toBe(true);
    expect(await ledger.countFor(consumer)).toBe(1);
  });

  it('gives up with a clear error when the database never answers', async () => {
    const error = await connectMongo({
      url: 'mongodb://user:secret@127.0.0.1:1/keelson',
      connectDeadlineMs: 1_500,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^database at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/keelson not reachable after \d+ attempts/,
    );
    expect(redact('mongodb://a:b@h/db')).toBe('mongodb://***@h/db');
  });
});
