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
  ModelVersionRepository,
  PersistenceModule,
  RawRecordRepository,
  TrainingJobRepository,
  TransformRepository,
} from '@keelson/persistence';
import {
  API_KEY_GUARD,
  DatabaseHealth,
  HealthController,
  MetricsController,
  openApiController,
} from '@keelson/service-kit';
import type { TrainingConfig } from './config';
import { JobRunner } from './jobs/job-runner.service';
import { RetrainingPolicyConsumer } from './jobs/retraining-policy';
import { TrainingJobsController } from './jobs/training-jobs.controller';
import { TrainingJobs } from './jobs/training-jobs.service';
import { TrainingRequestsConsumer } from './jobs/training-requests.consumer';
import { ModelRegistry } from './registry/model-registry.service';
import { trainingOpenApi } from './http/openapi';
import { RegistryController } from './registry/registry.controller';

export const TRAINING_REPOSITORIES = [
  ApiKeyRepository,
  DatasetRepository,
  FeatureRowRepository,
  FeatureStatsRepository,
  ModelVersionRepository,
  RawRecordRepository,
  TrainingJobRepository,
  TransformRepository,
];

@Module({})
export class TrainingModule {
  static register(
    config: TrainingConfig,
    messaging: Messaging,
    connection: Connection,
  ): DynamicModule {
    return {
      module: TrainingModule,
      imports: [
        KeelsonConfigModule.forRoot(config),
        MessagingModule.forRoot(messaging, `training/${config.nodeId}`),
        PersistenceModule.forRoot(connection, TRAINING_REPOSITORIES),
      ],
      controllers: [
        TrainingJobsController,
        RegistryController,
        TrainingRequestsConsumer,
        RetrainingPolicyConsumer,
        HealthController,
        MetricsController,
        openApiController(trainingOpenApi),
      ],
      providers: [TrainingJobs, JobRunner, ModelRegistry, DatabaseHealth, API_KEY_GUARD],
    };
  }
}
