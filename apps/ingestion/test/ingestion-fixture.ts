import { connectNats, readEvents, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo, type ApiScope } from '@keelson/persistence';
import type { RunningService } from '@keelson/service-kit';
import { apiClient, testInfra, uniqueId } from '@keelson/testing';
import type { Connection } from 'mongoose';
import { startIngestion } from '../src/bootstrap';
import { ingestionConfig } from '../src/config';

export type { Call } from '@keelson/testing';

/** A real ingestion service on a free port, with its own database, on the shared NATS server. */
export async function ingestionFixture(env: Record<string, string> = {}) {
  const database = `ingestion_test_${uniqueId()}`;
  const mongoUrl = env.MONGO_URL ?? testInfra.mongoUrl.replace(/\/[^/]*$/, `/${database}`);
  const config = ingestionConfig.load({
    ...process.env,
    MONGO_URL: mongoUrl,
    INGESTION_HTTP_PORT: '0',
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const service: RunningService = await startIngestion(config);
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const keys = new ApiKeyRepository(connection);
  const messaging: Messaging = await connectNats({
    url: testInfra.natsUrl,
    name: 'ingestion-test',
  });
  const createKey = async (scopes: ApiScope[], ratePerSecond = 1_000, burst = 1_000) =>
    (await keys.create({ name: 'test', scopes, ratePerSecond, burst })).key;
  const admin = await createKey(['admin']);

  const call = apiClient(() => service.url, admin);

  return {
    service,
    connection,
    messaging,
    admin,
    createKey,
    call,
    dataset: () => `ds_${uniqueId()}`,
    events: <T>(stream: string, subject: string) => readEvents<T>(messaging.js, stream, subject),
    recordCount: (dataset: string) => connection.collection('records').countDocuments({ dataset }),
    async close() {
      await service.close();
      await connection.dropDatabase();
      await connection.close();
      await messaging.drain();
    },
  };
}

export type IngestionFixture = Awaited<ReturnType<typeof ingestionFixture>>;

export const creditSchema = {
  label: 'default',
  key: 'id',
  fields: {
    id: { type: 'category' },
    age: { type: 'integer', min: 18, max: 120 },
    income: { type: 'number', required: false, min: 0 },
    employment: {
      type: 'category',
      required: false,
      values: ['salaried', 'self_employed', 'retired'],
    },
    default: { type: 'boolean' },
  },
};
