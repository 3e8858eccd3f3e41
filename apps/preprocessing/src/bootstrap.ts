import { consumerSpec } from '@keelson/schemas';
import { startService, type RunningService } from '@keelson/service-kit';
import type { PreprocessingConfig } from './config';
import { PREPROCESSING_REPOSITORIES, PreprocessingModule } from './preprocessing.module';

/** Consumes `records.validated.*` into feature rows; serves health and the feature view. */
export function startPreprocessing(config: PreprocessingConfig): Promise<RunningService> {
  return startService({
    name: 'preprocessing',
    nodeId: config.nodeId,
    settings: config,
    module: (messaging, connection) => PreprocessingModule.register(config, messaging, connection),
    repositories: PREPROCESSING_REPOSITORIES,
    consumers: [consumerSpec('preprocessing')],
    concurrency: config.batching.inFlight,
  });
}
