import { nodeCallHeaders } from '@keelson/config';
import type { Messaging } from '@keelson/messaging';
import { DEFAULT_ADAPTIVE_LIMIT } from '@keelson/service-kit';
import type { Logger } from '@keelson/tracing';
import type { GatewayConfig } from './config';
import { ClusterWatchers } from './pool/cluster-watchers';
import { NodePool, type NodeRecord, type PoolNode } from './pool/node-pool';
import { ModelVersions } from './routing/model-versions';
import { gatewayMetrics, reportPool } from './telemetry/gateway-metrics';
import { GrpcNodeTransport } from './transport/grpc-node-transport';
import { HttpNodeTransport } from './transport/http-node-transport';

/** How often circuits are checked for a due probe and silent nodes are forgotten. */
const MAINTAIN_MS = 250;

export interface ServingPool {
  pool: NodePool;
  versions: ModelVersions;
  watchers: ClusterWatchers;
  /** Logs a node's circuit opening (and why), whoever noticed it. */
  circuitOpened(node: PoolNode, why: string): void;
  stop(): void;
}

/**
 * The prediction nodes this gateway can route to: filled from the `nodes` and `routing` buckets
 * and node heartbeats, with the versions from the `models` bucket, and kept healthy by a
 * maintenance tick that probes open circuits and forgets silent nodes.
 */
export async function startServingPool(
  config: GatewayConfig,
  messaging: Messaging,
  logger: Logger,
): Promise<ServingPool> {
  const nodeHeaders = nodeCallHeaders(config.nodeCredential.tokens);
  const transports = {
    // A node whose REST address is https:// serves TLS on its gRPC port too (grpcs://).
    addressOf: (record: NodeRecord) =>
      config.pool.transport === 'grpc'
        ? `${record.addresses.http.startsWith('https:') ? 'grpcs://' : ''}${record.addresses.grpc}`
        : record.addresses.http,
    create: (address: string) =>
      config.pool.transport === 'grpc'
        ? new GrpcNodeTransport(address, nodeHeaders)
        : new HttpNodeTransport(address, nodeHeaders),
  };
  const pool = new NodePool(
    {
      staleAfterMs: config.pool.staleAfterMs,
      forgetAfterMs: config.pool.forgetAfterMs,
      breaker: config.breaker,
      statsWindowMs: config.heartbeatMs,
      ...(config.concurrency.limit === 'adaptive' && {
        concurrency: {
          ...DEFAULT_ADAPTIVE_LIMIT,
          initial: config.concurrency.initial,
          min: config.concurrency.min,
          max: config.concurrency.max,
          tolerance: config.concurrency.tolerance,
        },
      }),
    },
    transports,
  );
  pool.onRemoved = (nodeId) => gatewayMetrics.forgetNode(nodeId);
  const versions = new ModelVersions();
  const watchers = new ClusterWatchers(messaging, pool, versions, config.pool.nodeIdPrefix, logger);
  await watchers.start();

  const circuitOpened = (node: PoolNode, why: string) =>
    logger.warn(
      { node: node.id, address: node.address, why },
      'circuit opened: node out of rotation',
    );
  const probe = circuitProbe(config, logger);
  const maintenance = setInterval(
    () =>
      pool.maintain(probe, (node) => {
        gatewayMetrics.circuitOpened(node.id);
        circuitOpened(node, 'connection failed');
      }),
    MAINTAIN_MS,
  );
  maintenance.unref();
  const unreport = reportPool(() => pool.snapshot());

  return {
    pool,
    versions,
    watchers,
    circuitOpened,
    stop() {
      clearInterval(maintenance);
      unreport();
      watchers.stop();
      pool.close();
    },
  };
}

// A half-open probe asks the node about a version it announced, so it proves more than a
// process answering at the address (a restarted node still loading, or another process that
// took the port, stays out).
function circuitProbe(config: GatewayConfig, logger: Logger) {
  return (node: PoolNode) => {
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
}
