// The database's own rate for the data path's writes: the records' documents, as ingestion stores
// them, written straight with the driver into a scratch database with the same indexes.
import { connectMongo, RawRecordRepository, rawRecordId } from '@keelson/persistence';

/**
 * Inserts one document per record in batches of `batch`, `inFlight` inserts at once; returns the
 * records per second. The database is dropped afterwards.
 */
export async function databaseRate(
  mongoUrl: string,
  dataset: string,
  records: ReadonlyArray<object>,
  options: { batch: number; inFlight: number },
): Promise<number> {
  const connection = await connectMongo({ url: mongoUrl });
  try {
    const repository = new RawRecordRepository(connection);
    await repository.ensureIndexes(); // the same indexes as ingestion's `records`
    const receivedAt = new Date();
    const docs = records.map((record, i) => {
      const values = record as Record<string, unknown>;
      const recordId = String(values.id ?? i);
      return {
        _id: rawRecordId(dataset, recordId),
        dataset,
        recordId,
        schemaVersion: 1,
        values,
        receivedAt,
        via: 'nats' as const,
        origin: `nats:bench-${Math.floor(i / options.batch)}`,
        announcedIn: `bench-event-${Math.floor(i / options.batch)}`,
      };
    });
    const collection = connection.collection('records');
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.inFlight }, async () => {
        while (next < docs.length) {
          const slice = docs.slice(next, next + options.batch);
          next += options.batch;
          await collection.insertMany(slice as never[], { ordered: false });
        }
      }),
    );
    return records.length / ((performance.now() - started) / 1000);
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}
