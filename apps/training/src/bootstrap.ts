import { consumerSpec } from '@keelson/schemas';
import { startService, type RunningService } from '@keelson/service-kit';
import type { TrainingConfig } from './config';
import { TRAINING_REPOSITORIES, TrainingModule } from './training.module';

/**
 * Trains models from `training.requested` (one job at a time per instance: a job holds a core),
 * applies the retraining policies on `features.*`, and serves the jobs and registry APIs.
 */
export function startTraining(config: TrainingConfig): Promise<RunningService> {
  return startService({
    name: 'training',
    nodeId: config.nodeId,
    settings: config,
    module: (messaging, connection) => TrainingModule.register(config, messaging, connection),
    repositories: TRAINING_REPOSITORIES,
    consumers: [consumerSpec('training-requests'), consumerSpec('training')],
    concurrency: { 'training-requests': 1, training: 16 },
    configure(app) {
      // ONNX uploads arrive as raw bytes, with a larger limit than JSON bodies.
      app
        .getHttpAdapter()
        .getInstance()
        .addContentTypeParser(
          'application/octet-stream',
          { parseAs: 'buffer', bodyLimit: config.http.maxUploadBytes },
          (_req, body, done) => done(null, body),
        );
    },
  });
}
