import { type DynamicModule, Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { KeelsonConfigModule } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MessagingModule } from '@keelson/messaging/nest';
import {
  AlertRepository,
  ApiKeyRepository,
  DriftReferenceRepository,
  PersistenceModule,
} from '@keelson/persistence';
import {
  API_KEY_GUARD,
  DatabaseHealth,
  HealthController,
  MetricsController,
  openApiController,
} from '@keelson/service-kit';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { SeriesService } from './anomaly/series.service';
import { CapacityService } from './capacity/capacity.service';
import type { MonitoringConfig } from './config';
import { ConsoleBuckets } from './console/console-buckets.service';
import { ConsoleController } from './console/console.controller';
import { DriftConsumer } from './drift/drift.consumer';
import { DriftController } from './drift/drift.controller';
import { DriftService } from './drift/drift.service';
import { NodeHealthService } from './health/node-health.service';
import { NodesController } from './health/nodes.controller';
import { TelemetryListener } from './health/telemetry.listener';
import { monitoringOpenApi } from './http/openapi';
import { RecordsConsumer } from './records/records.consumer';
import { SlosController } from './slo/slos.controller';
import { SloService } from './slo/slo.service';

export const MONITORING_REPOSITORIES = [
  AlertRepository,
  DriftReferenceRepository,
  ApiKeyRepository,
];

@Module({})
export class MonitoringModule {
  static register(
    config: MonitoringConfig,
    messaging: Messaging,
    connection: Connection,
  ): DynamicModule {
    return {
      module: MonitoringModule,
      imports: [
        KeelsonConfigModule.forRoot(config),
        MessagingModule.forRoot(messaging, `monitoring/${config.nodeId}`),
        PersistenceModule.forRoot(connection, MONITORING_REPOSITORIES),
      ],
      controllers: [
        NodesController,
        AlertsController,
        DriftController,
        SlosController,
        ConsoleController,
        DriftConsumer,
        RecordsConsumer,
        HealthController,
        MetricsController,
        openApiController(monitoringOpenApi),
      ],
      providers: [
        API_KEY_GUARD,
        AlertsService,
        NodeHealthService,
        SloService,
        SeriesService,
        CapacityService,
        DriftService,
        ConsoleBuckets,
        TelemetryListener,
        DatabaseHealth,
      ],
    };
  }
}
