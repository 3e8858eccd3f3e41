import { connectNats, readEvents, type Messaging } from '@keelson/messaging';
import {
  ApiKeyRepository,
  connectMongo,
  DatasetRepository,
  RawRecordRepository,
  rawRecordId,
  TransformRepository,
  type ApiScope,
} from '@keelson/persistence';
import type { RunningService } from '@keelson/service-kit';
import { apiClient, seedChurnDataset, testInfra, uniqueId } from '@keelson/testing';
import type { Connection } from 'mongoose';
import { startTraining } from '../src/bootstrap';
import { trainingConfig } from '../src/config';

/** A real training service on a free port with its own database, on the shared NATS server. */
export async function trainingFixture(env: Record<string, string> = {}) {
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/training_test_${uniqueId()}`);
  const service: RunningService = await startTraining(
    trainingConfig.load({
      ...process.env,
      MONGO_URL: mongoUrl,
      TRAINING_HTTP_PORT: '0',
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const messaging: Messaging = await connectNats({ url: testInfra.natsUrl, name: 'training-test' });
  const keys = new ApiKeyRepository(connection);
  const createKey = async (scopes: ApiScope[]) =>
    (await keys.create({ name: 'test', scopes, ratePerSecond: 1_000, burst: 1_000 })).key;
  const admin = await createKey(['admin']);

  return {
    service,
    connection,
    messaging,
    admin,
    createKey,
    call: apiClient(() => service.url, admin),
    seedDataset: (rows: number, seed?: number, name?: string) =>
      seedChurnDataset(
        {
          datasets: new DatasetRepository(connection),
          records: new RawRecordRepository(connection),
          transforms: new TransformRepository(connection),
          recordId: rawRecordId,
        },
        rows,
        seed,
        name,
      ),
    model: () => `m_${uniqueId()}`,
    events: <T>(stream: string, subject: string) => readEvents<T>(messaging.js, stream, subject),
    async close() {
      await service.close();
      await connection.dropDatabase();
      await connection.close();
      await messaging.drain();
    },
  };
}

export type TrainingFixture = Awaited<ReturnType<typeof trainingFixture>>;
