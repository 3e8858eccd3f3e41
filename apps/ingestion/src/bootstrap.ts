import { consumerSpec } from '@keelson/schemas';
import { capConcurrency, startService, type RunningService } from '@keelson/service-kit';
import type { IngestionConfig } from './config';
import { INGESTION_REPOSITORIES, IngestionModule } from './ingestion.module';

/** Where producers post records: the endpoint whose concurrency is capped. */
const RECORDS_PATH = /^\/v1\/datasets\/[^/]+\/records(\?|$)/;

/** The HTTP API and the `ingest.*` consumer; used by main.ts and the integration tests alike. */
export function startIngestion(config: IngestionConfig): Promise<RunningService> {
  return startService({
    name: 'ingestion',
    nodeId: config.nodeId,
    settings: config,
    module: (messaging, connection) => IngestionModule.register(config, messaging, connection),
    repositories: INGESTION_REPOSITORIES,
    consumers: [consumerSpec('ingestion')],
    concurrency: config.consumer.concurrency,
    bodyLimit: config.http.maxBodyBytes,
    configure: (app) => {
      if (config.http.concurrencyLimit === 'off') return;
      capConcurrency(app.getHttpAdapter().getInstance(), {
        applies: (request) => request.method === 'POST' && RECORDS_PATH.test(request.url),
      });
    },
  });
}
