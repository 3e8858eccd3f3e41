import { ApiKeyRepository } from '@keelson/persistence';
import { ApiKeyAuthorizer } from '@keelson/service-kit';
import type { Connection } from 'mongoose';
import { PredictionKeys } from './auth/api-key-authorizer';
import type { GatewayConfig } from './config';
import { Dispatcher } from './routing/dispatcher';
import { GatewayHandler } from './routing/gateway-handler';
import { hedgeDelayFor } from './routing/hedge-delay';
import { RetryBudget } from './routing/retry-budget';
import type { ServingPool } from './serving-pool.startup';
import { reportHedgeDelay } from './telemetry/gateway-metrics';

export interface RequestHandling {
  /** Answers inference requests, whichever protocol they came in by. */
  handler: GatewayHandler;
  /** Checks the API key of every request, on both protocols. */
  authorizer: PredictionKeys;
  stop(): void;
}

/**
 * What both servers share: the handler that balances, hedges and retries requests over the pool,
 * and the API-key checks in front of it.
 */
export function createRequestHandling(
  config: GatewayConfig,
  serving: ServingPool,
  connection: Connection,
): RequestHandling {
  const dispatcher = new Dispatcher(serving.pool, new RetryBudget(config.retry), {
    attemptMs: config.timeouts.attemptMs,
    hedgeDelay: hedgeDelayFor(config.hedge.after, config.timeouts.attemptMs),
  });
  const unreportHedge = reportHedgeDelay(() => dispatcher.hedgeDelayMs());
  const handler = new GatewayHandler(
    serving.pool,
    serving.versions,
    dispatcher,
    config.timeouts.requestMs,
    (node) => serving.circuitOpened(node, `${config.breaker.failures} consecutive failures`),
  );
  const authorizer = new PredictionKeys(
    new ApiKeyAuthorizer(new ApiKeyRepository(connection), config.rateLimit),
  );
  return { handler, authorizer, stop: unreportHedge };
}
