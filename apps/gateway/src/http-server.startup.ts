import { inferenceRequestListener } from '@keelson/inference';
import type { Messaging } from '@keelson/messaging';
import { createHttpApp, localUrl, type RunningService } from '@keelson/service-kit';
import type { Logger } from '@keelson/tracing';
import { presentedKey } from './auth/api-key-authorizer';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import type { RequestHandling } from './request-handling.startup';
import type { ServingPool } from './serving-pool.startup';

/**
 * The REST edge on `http.port`: the Open Inference Protocol's routes go straight to the handler
 * (after the API-key check), and the Nest app serves health and metrics beside them.
 */
export async function startHttpServer(
  config: GatewayConfig,
  messaging: Messaging,
  serving: ServingPool,
  { handler, authorizer }: RequestHandling,
  logger: Logger,
): Promise<Pick<RunningService, 'app' | 'url'>> {
  const app = await createHttpApp(
    GatewayModule.register({
      nats: () => messaging.connected(),
      watches: () => serving.watchers.ready,
      routableNodes: () => serving.pool.routableCount(),
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
  return { app, url: await localUrl(app) };
}
