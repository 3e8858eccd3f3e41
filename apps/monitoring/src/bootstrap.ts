import { consumerSpec } from '@keelson/schemas';
import { startService, type RunningService } from '@keelson/service-kit';
import type { MonitoringConfig } from './config';
import { MONITORING_REPOSITORIES, MonitoringModule } from './monitoring.module';

/**
 * Monitoring: telemetry in (heartbeats as they are sent), verdicts out (alerts on `alert.<kind>`,
 * the HTTP API, Prometheus metrics). Its durable consumers read record counts, the model
 * lifecycle (drift references) and sampled predictions. Used by main.ts and the tests alike.
 */
export function startMonitoring(config: MonitoringConfig): Promise<RunningService> {
  return startService({
    name: 'monitoring',
    nodeId: config.nodeId,
    settings: config,
    module: (messaging, connection) => MonitoringModule.register(config, messaging, connection),
    repositories: MONITORING_REPOSITORIES,
    consumers: [
      consumerSpec('monitoring-records'),
      consumerSpec('monitoring-ml'),
      consumerSpec('monitoring-drift'),
    ],
    concurrency: { 'monitoring-records': 8, 'monitoring-ml': 4, 'monitoring-drift': 4 },
  });
}
