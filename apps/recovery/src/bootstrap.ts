import { startService, type RunningService } from '@keelson/service-kit';
import type { RecoveryConfig } from './config';
import { RECOVERY_REPOSITORIES, RecoveryModule } from './recovery.module';

/**
 * Recovery: every replica watches the pool (routing, nodes, node alerts, callers, services); the
 * one holding the lease acts: it routes traffic away from sick nodes and back, takes in dead
 * letters and replays them. Its consumer is run by the leader alone, so it is not the boot's.
 */
export function startRecovery(config: RecoveryConfig): Promise<RunningService> {
  return startService({
    name: 'recovery',
    nodeId: config.nodeId,
    settings: config,
    module: (messaging, connection) => RecoveryModule.register(config, messaging, connection),
    repositories: RECOVERY_REPOSITORIES,
    consumers: [],
    concurrency: 8,
  });
}
