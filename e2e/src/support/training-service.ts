import { join } from 'node:path';
import {
  ApiKeyRepository,
  connectMongo,
  DatasetRepository,
  RawRecordRepository,
  rawRecordId,
  TransformRepository,
} from '@keelson/persistence';
import {
  apiClient,
  freePort,
  runTsProcess,
  seedChurnDataset,
  testInfra,
  uniqueId,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';

const root = join(__dirname, '../../..');

/**
 * The compiled training service on a database of its own, seeded with a 20,000-row churn dataset,
 * and an admin key: what the training crash and shutdown tests start from. `start()` runs one more
 * process of it (as deployed) and waits until it is ready; `close()` kills them all and drops the
 * database.
 */
export async function trainingService(env: Record<string, string>) {
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/training_e2e_${uniqueId()}`);
  const port = await freePort();
  const processes: TsProcess[] = [];
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'e2e',
    scopes: ['admin'],
    ratePerSecond: 1_000,
    burst: 1_000,
  });
  const dataset = await seedChurnDataset(
    {
      datasets: new DatasetRepository(connection),
      records: new RawRecordRepository(connection),
      transforms: new TransformRepository(connection),
      recordId: rawRecordId,
    },
    20_000,
  );
  return {
    connection,
    dataset,
    call: apiClient(() => `http://127.0.0.1:${port}`, key),
    async start(): Promise<TsProcess> {
      const p = runTsProcess(join(root, 'dist/apps/training/src/main.js'), {
        MONGO_URL: mongoUrl,
        KEELSON_TRACING: 'false',
        LOG_LEVEL: 'warn',
        TRAINING_HTTP_PORT: String(port),
        ...env,
      });
      processes.push(p);
      await waitForOk(`http://127.0.0.1:${port}/health/ready`);
      return p;
    },
    async close() {
      await Promise.all(processes.map((p) => p.kill('SIGKILL')));
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
