import { EventPublisher } from '@keelson/messaging';
import { connectInfrastructure, type RunningService } from '@keelson/service-kit';
import { createLogger } from '@keelson/tracing';
import type { GatewayConfig } from './config';
import { startGrpcServer } from './grpc-server.startup';
import { startHttpServer } from './http-server.startup';
import type { NodeView } from './pool/node-pool';
import { createRequestHandling } from './request-handling.startup';
import { startServingPool } from './serving-pool.startup';
import { gatewayFigures, GatewayHeartbeats } from './telemetry/gateway-heartbeat';

export interface RunningGateway extends RunningService {
  grpcAddress: string;
  /** The pool as this gateway sees it (operators: /metrics; tests: here). */
  nodes(): NodeView[];
}

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

  const serving = await startServingPool(config, messaging, logger);
  const requests = createRequestHandling(config, serving, connection);
  const { app, url } = await startHttpServer(config, messaging, serving, requests, logger);
  const grpc = await startGrpcServer(config, requests);

  const heartbeats = new GatewayHeartbeats(
    new EventPublisher(messaging.js, source),
    config.nodeId,
    () => gatewayFigures(requests.handler, serving.pool),
    config.heartbeatMs,
    (error) => logger.warn({ err: error.message }, 'heartbeat failed'),
  );
  await heartbeats.start();
  logger.info(
    {
      url,
      grpc: grpc.address,
      transport: config.pool.transport,
      hedge: config.hedge.after,
      nodes: serving.pool.snapshot().length,
    },
    'gateway ready',
  );

  return {
    app,
    url,
    grpcAddress: grpc.address,
    nodes: () => serving.pool.snapshot(),
    // Edges first, so no new request arrives while the pool and connections behind it close.
    async close() {
      heartbeats.stop();
      await grpc.close();
      await app.close();
      requests.stop();
      serving.stop();
      await connection.close();
      await messaging.drain();
    },
  };
}
