import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { Logger } from '@keelson/tracing';

export interface NatsOptions {
  /** One URL or a comma-separated list (a cluster). */
  url: string;
  /** Shows in `nats server report connections`; use the service and node name. */
  name: string;
  user?: string;
  password?: string;
  logger?: Logger;
}

export interface Messaging {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Stops taking new messages, lets in-flight work and pending publishes finish, then closes. */
  drain(): Promise<void>;
  /**
   * Whether the connection to a server is up now. A connection that lost its server stays open
   * (not closed, not draining) while it reconnects, so readiness must ask this instead.
   */
  connected(): boolean;
}

/**
 * Connects for the life of the process: reconnects forever with jittered waits (a NATS restart or
 * a cluster failover must not need a service restart), and logs every status change.
 */
export async function connectNats(options: NatsOptions): Promise<Messaging> {
  const nc = await connect({
    servers: options.url.split(',').map((s) => s.trim()),
    name: options.name,
    user: options.user || undefined,
    pass: options.password || undefined,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    reconnectJitter: 500,
    waitOnFirstConnect: true,
    timeout: 10_000,
  });
  const logger = options.logger;
  let up = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') up = false;
      else if (status.type === 'reconnect') up = true;
      if (status.type === 'ping' || status.type === 'staleConnection') continue;
      logger?.info(
        { nats: status.type, server: 'server' in status ? status.server : undefined },
        `nats ${status.type}`,
      );
    }
  })();
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js,
    jsm,
    async drain() {
      if (nc.isClosed()) return;
      await nc.drain();
    },
    connected: () => up && !nc.isClosed() && !nc.isDraining(),
  };
}
