import { type DynamicModule, Module } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { KeelsonConfigModule } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MessagingModule } from '@keelson/messaging/nest';
import {
  AlertRepository,
  ApiKeyRepository,
  AuditRepository,
  DeadLetterRepository,
  DlqGroupRepository,
  PersistenceModule,
  ReplayTaskRepository,
} from '@keelson/persistence';
import {
  API_KEY_GUARD,
  DatabaseHealth,
  HealthController,
  MetricsController,
  openApiController,
} from '@keelson/service-kit';
import { RecoveryAlerts } from './alerts/recovery-alerts.service';
import { AuditService } from './audit/audit.service';
import type { RecoveryConfig } from './config';
import { AutoReplayService } from './dlq/auto-replay.service';
import { DlqController } from './dlq/dlq.controller';
import { DlqIntake } from './dlq/dlq-intake.service';
import { DlqStore } from './dlq/dlq-store.service';
import { ReplayService } from './dlq/replay.service';
import { recoveryOpenApi } from './http/openapi';
import { LeadershipService } from './leadership/leadership.service';
import { ControlLoopService } from './routing/control-loop.service';
import { NodesController } from './routing/nodes.controller';

export const RECOVERY_REPOSITORIES = [
  DeadLetterRepository,
  DlqGroupRepository,
  ReplayTaskRepository,
  AuditRepository,
  AlertRepository,
  ApiKeyRepository,
];

@Module({})
export class RecoveryModule {
  static register(
    config: RecoveryConfig,
    messaging: Messaging,
    connection: Connection,
  ): DynamicModule {
    return {
      module: RecoveryModule,
      imports: [
        KeelsonConfigModule.forRoot(config),
        MessagingModule.forRoot(messaging, `recovery/${config.nodeId}`),
        PersistenceModule.forRoot(connection, RECOVERY_REPOSITORIES),
      ],
      controllers: [
        NodesController,
        DlqController,
        HealthController,
        MetricsController,
        openApiController(recoveryOpenApi),
      ],
      providers: [
        API_KEY_GUARD,
        LeadershipService,
        AuditService,
        RecoveryAlerts,
        ControlLoopService,
        DlqStore,
        DlqIntake,
        ReplayService,
        AutoReplayService,
        DatabaseHealth,
      ],
    };
  }
}
