import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { createInferenceGrpcServer, inferenceRequestListener } from '@keelson/inference';
import { EventPublisher } from '@keelson/messaging';
import { ApiKeyRepository } from '@keelson/persistence';
import {
  ApiKeyAuthorizer,
  connectInfrastructure,
  createHttpApp,
  localUrl,
  type RunningService,
} from '@keelson/service-kit';
import { createLogger } from '@keelson/tracing';
import { PredictionKeys, presentedKey } from './auth/api-key-authorizer';
import { grpcAuthInterceptor } from './auth/grpc-auth.interceptor';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { ClusterWatchers } from './pool/cluster-watchers';
import { NodePool, type NodeRecord, type NodeView, type PoolNode } from './pool/node-pool';
import { Dispatcher } from './routing/dispatcher';
import { hedgeDelayFor } from './routing/hedge-delay';
import { GatewayHandler } from './routing/gateway-handler';
import { ModelVersions } from './routing/model-versions';
import { RetryBudget } from './routing/retry-budget';
import { gatewayFigures, GatewayHeartbeats } from './telemetry/gateway-heartbeat';
import { gatewayMetrics, reportHedgeDelay, reportPool } from './telemetry/gateway-metrics';
import { GrpcNodeTransport } from './transport/grpc-node-transport';
import { HttpNodeTransport } from './transport/http-node-transport';

export interface RunningGateway extends RunningService {
  grpcAddress: string;
  /** The pool as this gateway sees it (operators: /metrics; tests: here). */
  nodes(): NodeView[];
}

/** How often circuits are checked for a due probe and silent nodes are forgotten. */
const MAINTAIN_MS = 250;

/**
 * The gateway: the Open Inference Protocol over REST (`http.port`) and gRPC (`http.grpcPort`) in
 * front of the prediction nodes, with API keys and per-key rate limits. The pool comes from the
 * `nodes` and `routing` buckets and node heartbeats, the versions from the `models` bucket;
 * requests are balanced by power of two choices, hedged after the pool's recent p95 and retried
 * once elsewhere within a budget, and kept off failing or hung nodes by per-node circuit breakers.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const logger = createLogger({ name: 'gateway', level: config.telemetry.logLevel });
  const source = `gateway/${config.nodeId}`;
  const { messaging, connection } = await connectInfrastructure(config, source, logger);

  const transports = {
    addressOf: (record: NodeRecord) =>
      config.pool.transport === 'grpc' ? record.addresses.grpc : record.addresses.http,
    create: (address: string) =>
      config.pool.transport === 'grpc'
        ? new GrpcNodeTransport(address)
        : new HttpNodeTransport(address),
  };
  const pool = new NodePool(
    {
      staleAfterMs: config.pool.staleAfterMs,
      forgetAfterMs: config.pool.forgetAfterMs,
      breaker: config.breaker,
      statsWindowMs: config.heartbeatMs,
    },
    transports,
  );
  pool.onRemoved = (nodeId) => gatewayMetrics.forgetNode(nodeId);
  const versions = new ModelVersions();
  const watchers = new ClusterWatchers(messaging, pool, versions, config.pool.nodeIdPrefix, logger);
  await watchers.start();
  // A half-open probe asks the node about a version it announced, so it proves more than a
  // process answering at the address (a restarted node still loading, or another process that
  // took the port, stays out).
  const probe = (node: PoolNode) => {
    const deadlineMs = Date.now() + config.breaker.probeTimeoutMs;
    const asked = node.someReadyVersion();
    const answer = asked
      ? node.transport.modelReady(asked.model, asked.version, { deadlineMs })
      : node.transport.live({ deadlineMs });
    return answer.then((ok) => {
      if (ok) logger.info({ node: node.id }, 'circuit closed: the node answers again');
      return ok;
    });
  };
  const opened = (node: PoolNode, why: string) =>
    logger.warn(
      { node: node.id, address: node.address, why },
      'circuit opened: node out of rotation',
    );
  const maintenance = setInterval(
    () =>
      pool.maintain(probe, (node) => {
        gatewayMetrics.circuitOpened(node.id);
        opened(node, 'connection failed');
      }),
    MAINTAIN_MS,
  );
  maintenance.unref();
  const unreport = reportPool(() => pool.snapshot());

  const dispatcher = new Dispatcher(pool, new RetryBudget(config.retry), {
    attemptMs: config.timeouts.attemptMs,
    hedgeDelay: hedgeDelayFor(config.hedge.after, config.timeouts.attemptMs),
  });
  const unreportHedge = reportHedgeDelay(() => dispatcher.hedgeDelayMs());
  const handler = new GatewayHandler(
    pool,
    versions,
    dispatcher,
    config.timeouts.requestMs,
    (node) => opened(node, `${config.breaker.failures} consecutive failures`),
  );
  const authorizer = new PredictionKeys(
    new ApiKeyAuthorizer(new ApiKeyRepository(connection), config.rateLimit),
  );

  const app = await createHttpApp(
    GatewayModule.register({
      nats: () => messaging.connected(),
      watches: () => watchers.ready,
      routableNodes: () => pool.routableCount(),
    }),
    logger,
    {
      bodyLimit: config.http.maxBodyBytes,
      listener: (fastify) =>
        inferenceRequestListener(
          handler,
          {
            bodyLimit: config.http.maxBodyBytes,
            authorize: async (headers) => {
              await authorizer.authorize(presentedKey(headers.authorization, headers['x-api-key']));
            },
          },
          fastify,
        ),
    },
  );
  await app.listen(config.http.port, config.http.host);
  const url = await localUrl(app);

  const grpc: Server = createInferenceGrpcServer(handler, {
    interceptors: [grpcAuthInterceptor(authorizer)],
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync(
      `${config.http.host}:${config.http.grpcPort}`,
      ServerCredentials.createInsecure(),
      (error, port) => (error ? reject(error) : resolve(port)),
    ),
  );
  const grpcAddress = `${config.http.host}:${grpcPort}`;

  const heartbeats = new GatewayHeartbeats(
    new EventPublisher(messaging.js, source),
    config.nodeId,
    () => gatewayFigures(handler, pool),
    config.heartbeatMs,
    (error) => logger.warn({ err: error.message }, 'heartbeat failed'),
  );
  await heartbeats.start();
  logger.info(
    {
      url,
      grpc: grpcAddress,
      transport: config.pool.transport,
      hedge: config.hedge.after,
      nodes: pool.snapshot().length,
    },
    'gateway ready',
  );

  return {
    app,
    url,
    grpcAddress,
    nodes: () => pool.snapshot(),
    async close() {
      heartbeats.stop();
      await new Promise<void>((resolve) => grpc.tryShutdown(() => resolve()));
      await app.close();
      clearInterval(maintenance);
      unreport();
      unreportHedge();
      watchers.stop();
      pool.close();
      await connection.close();
      await messaging.drain();
    },
  };
}
