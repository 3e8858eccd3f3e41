import type { ModelVersionFigures } from '@keelson/schemas';
import type { FaultInjector } from '../drill/fault-injector';
import type { HeartbeatFigures } from '../cluster/node-telemetry';
import type { ModelStore } from '../serving/model-store';
import type { NodeInferenceHandler } from '../serving/node-handler';
import type { PredictionSampler } from '../serving/prediction-sampler';

/**
 * What one heartbeat tells about the node's work: calls by outcome since start, latency over the
 * last interval (successful and failed apart), queues against their capacity, and each loaded
 * version's own figures, so monitoring can judge a node per model and by its peers.
 */
export function heartbeatFigures(
  handler: NodeInferenceHandler,
  store: ModelStore,
  sampler: PredictionSampler,
  faults: FaultInjector | undefined,
  now: number,
): HeartbeatFigures {
  const loads = new Map(store.versionLoads().map((l) => [`${l.model}@${l.version}`, l]));
  const models: ModelVersionFigures[] = store.loaded().map(({ name, version, ready }) => {
    const load = loads.get(`${name}@${version}`);
    return {
      name,
      version,
      ready,
      ...handler.figures.version(name, version, now),
      queueDepth: load?.queueDepth ?? 0,
      queueCapacity: load?.queueCapacity ?? 0,
      inFlight: load?.inFlight ?? 0,
    };
  });
  handler.figures.retain(new Set(models.map((m) => `${m.name}@${m.version}`)));
  const latency = handler.figures.latency(now);
  const active = faults?.active;
  return {
    inFlight: handler.active,
    queueDepth: models.reduce((n, m) => n + m.queueDepth, 0),
    queueCapacity: models.reduce((n, m) => n + m.queueCapacity, 0),
    requests: handler.requests,
    calls: handler.figures.calls.snapshot(),
    latencyMs: latency.ok,
    failedLatencyMs: latency.failed,
    models,
    samples: { published: sampler.published, dropped: sampler.dropped },
    ...(active && { faults: active }),
  };
}
