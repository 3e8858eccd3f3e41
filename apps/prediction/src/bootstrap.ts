import {
  inferenceRequestListener,
  metadataValue,
  NodeCredential,
  startInferenceGrpcServer,
} from '@keelson/inference';
import { connectNats, EventPublisher, provision } from '@keelson/messaging';
import { CATALOGUE } from '@keelson/schemas';
import {
  closeConnectionsWhile,
  createHttpApp,
  localUrl,
  serverTls,
  settleMs,
  type CloseOptions,
  type RunningService,
} from '@keelson/service-kit';
import { createLogger, type Logger } from '@keelson/tracing';
import { NodeTelemetry } from './cluster/node-telemetry';
import { registerDrillRoutes } from './drill/drill-routes';
import { FaultInjector } from './drill/fault-injector';
import { RoutingWatcher } from './cluster/routing-state';
import type { PredictionConfig } from './config';
import { PredictionModule } from './prediction.module';
import { ModelStore } from './serving/model-store';
import { NodeInferenceHandler } from './serving/node-handler';
import { PredictionSampler } from './serving/prediction-sampler';
import { ResponseCache } from './serving/response-cache';
import { loadVersionRunner } from './serving/version-runner';
import { heartbeatFigures } from './telemetry/heartbeat-figures';
import { cacheMetrics, nodeMetrics } from './telemetry/node-metrics';

export interface RunningNode extends RunningService {
  grpcAddress: string;
  store: ModelStore;
}

/**
 * A prediction node: follows the `models` bucket and serves each model's production and canary
 * versions over the Open Inference Protocol (REST on `http.port`, gRPC on `http.grpcPort`), runs
 * inference on worker threads with a dynamic batcher per version, heartbeats, registers itself in
 * the `nodes` bucket and honours its `routing` state. It needs NATS only.
 */
export async function startPrediction(config: PredictionConfig): Promise<RunningNode> {
  const logger = createLogger({ name: 'prediction', level: config.telemetry.logLevel });
  const source = `prediction/${config.nodeId}`;
  const credential = new NodeCredential(config.credential.tokens);
  const messaging = await connectNats({
    url: config.nats.url,
    name: source,
    user: config.nats.user,
    password: config.nats.password,
    logger,
  });
  await provision(messaging.nc, messaging.jsm, CATALOGUE, { replicas: config.nats.replicas });

  const routing = new RoutingWatcher(messaging, config.nodeId, (error) =>
    logger.warn({ err: error }, 'ignored a malformed routing entry'),
  );
  await routing.start();
  const cache = new ResponseCache(config.cache.maxBytes, config.cache.models, cacheMetrics);
  const store = new ModelStore(
    messaging,
    (bytes, model, version) => loadVersionRunner(bytes, model, version, config.batching),
    (message, error) =>
      error ? logger.error({ err: error.message }, message) : logger.info(message),
    config.models,
    (model) => cache.drop(model),
  );
  const sampler = new PredictionSampler(
    new EventPublisher(messaging.js, source),
    config.nodeId,
    config.sampling,
    (result, count) => nodeMetrics.sample(result, count),
  );
  sampler.start();
  const faults = drillFaults(config, logger);
  const handler = new NodeInferenceHandler(
    store,
    routing,
    sampler,
    config.heartbeatMs,
    faults,
    cache,
  );
  nodeMetrics.reportLoads(() => store.versionLoads());

  let draining = false;
  const app = await createHttpApp(PredictionModule as never, logger, {
    bodyLimit: config.http.maxBodyBytes,
    listener: (fastify) => {
      const inference = inferenceRequestListener(
        handler,
        {
          bodyLimit: config.http.maxBodyBytes,
          authorize: (headers) => credential.check(headers.authorization),
        },
        fastify,
      );
      // The data plane skips Fastify's hooks, so it says `Connection: close` while draining itself.
      return (req, res) => {
        if (draining) res.setHeader('connection', 'close');
        inference(req, res);
      };
    },
  });
  closeConnectionsWhile(app, () => draining);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/health/live', async () => ({ status: 'live' }));
  fastify.get('/health/ready', async (_req, reply) => {
    const ready = !draining && handler.serverReady();
    return reply.status(ready ? 200 : 503).send({
      status: draining ? 'draining' : ready ? 'ready' : 'not ready',
      routing: routing.state,
      ...(routing.why ? { reason: routing.why } : {}),
      models: store.loaded(),
      failed: store.failures(),
    });
  });
  if (faults) registerDrillRoutes(fastify, faults, credential);

  await store.start(); // every model known now is loaded and warm before the node listens
  await app.listen(config.http.port, config.http.host);
  const url = await localUrl(app);
  const grpc = await startInferenceGrpcServer(
    handler,
    `${config.http.host}:${config.http.grpcPort}`,
    {
      authorize: (metadata) => credential.check(metadataValue(metadata, 'authorization')),
      tls: serverTls(),
    },
  );
  const grpcAddress = `${config.http.advertiseHost}:${grpc.port}`;
  const listening = new URL(url);
  // `https://` says both ports serve TLS (the gateway then calls the gRPC port over TLS too).
  const httpAddress = `${listening.protocol}//${config.http.advertiseHost}:${listening.port}`;

  const telemetry = new NodeTelemetry(
    messaging,
    config.nodeId,
    { http: httpAddress, grpc: grpcAddress },
    () => heartbeatFigures(handler, store, sampler, faults, Date.now()),
    config.heartbeatMs,
    (error) => logger.warn({ err: error.message }, 'heartbeat failed'),
  );
  await telemetry.start();
  logger.info({ url, grpc: grpcAddress, models: store.loaded() }, 'prediction node ready');

  return {
    app,
    url,
    grpcAddress,
    store,
    /**
     * Readiness fails and the node leaves the `nodes` bucket (the gateway drops it from its pool at
     * once and lets its calls in flight finish); after the settle pause, which lets the gateways
     * and load balancers catch up, both ports stop taking connections and the calls still running
     * finish; the models and NATS go last. The grace bounds the whole (runService).
     */
    async close(options: CloseOptions = {}) {
      draining = true;
      await telemetry.stop();
      await new Promise((resolve) => setTimeout(resolve, settleMs(options.graceMs ?? 10_000)));
      await Promise.all([grpc.shutdown(), app.close()]);
      routing.stop();
      await sampler.stop();
      await store.close();
      await messaging.drain();
    },
  };
}

/** The drill switch: a fault injector only on a node started with PREDICTION_FAULTS=on. */
function drillFaults(config: PredictionConfig, logger: Logger): FaultInjector | undefined {
  if (!config.faults.enabled) return undefined;
  const faults = new FaultInjector();
  const { latencyMs, errorRate, hang } = config.faults;
  faults.set({ latencyMs, errorRate, hang });
  logger.warn(
    { faults: faults.active ?? 'none yet' },
    'fault injection is on (PREDICTION_FAULTS): a drill node, not for production traffic',
  );
  return faults;
}
