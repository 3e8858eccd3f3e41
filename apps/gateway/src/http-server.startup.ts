import { inferenceRequestListener } from '@keelson/inference';
import type { Messaging } from '@keelson/messaging';
import { createHttpApp, localUrl, type RunningService } from '@keelson/service-kit';
import type { Logger } from '@keelson/tracing';
import { presentedKey } from './auth/api-key-authorizer';
import { Overloaded } from './routing/failures';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import type { RequestHandling } from './request-handling.startup';
import type { ServingPool } from './serving-pool.startup';

/** An inference call's path; the model is what the early capacity check needs. */
const INFER_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/;

/**
 * The model an inference call's path names, or undefined for any other path and for a name that
 * is not valid percent-encoding (the protocol's routes answer those; this check must not throw).
 */
export function inferredModel(path: string): string | undefined {
  const encoded = INFER_PATH.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

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
            admit: (path) => {
              const model = inferredModel(path);
              if (model === undefined || !serving.pool.atCapacity(model)) return;
              const refused = new Overloaded();
              handler.refusedAtDoor(model, refused);
              throw refused;
            },
          },
          fastify,
        ),
    },
  );
  await app.listen(config.http.port, config.http.host);
  return { app, url: await localUrl(app) };
}
