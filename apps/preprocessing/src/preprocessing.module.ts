import { type DynamicModule, Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { KeelsonConfigModule } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MessagingModule } from '@keelson/messaging/nest';
import {
  ApiKeyRepository,
  DatasetRepository,
  FeatureRowRepository,
  FeatureStatsRepository,
  PersistenceModule,
  TransformRepository,
} from '@keelson/persistence';
import {
  API_KEY_GUARD,
  DatabaseHealth,
  HealthController,
  MetricsController,
} from '@keelson/service-kit';
import type { PreprocessingConfig } from './config';
import { FeatureBuilder } from './features/feature-builder.service';
import { FeaturesController } from './features/features.controller';
import { ValidatedRecordsConsumer } from './features/records.consumer';

export const PREPROCESSING_REPOSITORIES = [
  ApiKeyRepository,
  DatasetRepository,
  FeatureRowRepository,
  FeatureStatsRepository,
  TransformRepository,
];

@Module({})
export class PreprocessingModule {
  static register(
    config: PreprocessingConfig,
    messaging: Messaging,
    connection: Connection,
  ): DynamicModule {
    return {
      module: PreprocessingModule,
      imports: [
        KeelsonConfigModule.forRoot(config),
        MessagingModule.forRoot(messaging, `preprocessing/${config.nodeId}`),
        PersistenceModule.forRoot(connection, PREPROCESSING_REPOSITORIES),
      ],
      controllers: [
        ValidatedRecordsConsumer,
        FeaturesController,
        HealthController,
        MetricsController,
      ],
      providers: [FeatureBuilder, DatabaseHealth, API_KEY_GUARD],
    };
  }
}
