import { type DynamicModule, Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { KeelsonConfigModule } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MessagingModule } from '@keelson/messaging/nest';
import {
  ApiKeyRepository,
  DatasetRepository,
  PersistenceModule,
  RawRecordRepository,
} from '@keelson/persistence';
import {
  API_KEY_GUARD,
  DatabaseHealth,
  HealthController,
  MetricsController,
  openApiController,
} from '@keelson/service-kit';
import type { IngestionConfig } from './config';
import { DatasetCatalog } from './datasets/dataset-catalog.service';
import { DatasetsController } from './datasets/datasets.controller';
import { ingestionOpenApi } from './http/openapi';
import { RecordIngestor } from './records/record-ingestor.service';
import { RecordsConsumer } from './records/records.consumer';
import { KeysController } from './keys/keys.controller';
import { RecordsController } from './records/records.controller';

export const INGESTION_REPOSITORIES = [DatasetRepository, RawRecordRepository, ApiKeyRepository];

@Module({})
export class IngestionModule {
  static register(
    config: IngestionConfig,
    messaging: Messaging,
    connection: Connection,
  ): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        KeelsonConfigModule.forRoot(config),
        MessagingModule.forRoot(messaging, `ingestion/${config.nodeId}`),
        PersistenceModule.forRoot(connection, INGESTION_REPOSITORIES),
      ],
      controllers: [
        DatasetsController,
        KeysController,
        RecordsController,
        RecordsConsumer,
        HealthController,
        MetricsController,
        openApiController(ingestionOpenApi),
      ],
      providers: [DatasetCatalog, RecordIngestor, DatabaseHealth, API_KEY_GUARD],
    };
  }
}
