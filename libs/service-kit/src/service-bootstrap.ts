import { createServer, type RequestListener } from 'node:http';
import { createServer as createTlsServer, Server as TlsServer } from 'node:https';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { env } from '@keelson/config';
import {
  connectNats,
  DeadLetterPublisher,
  DeadLetterSweeper,
  EventPublisher,
  openPayloadStore,
  provision,
  type Messaging,
} from '@keelson/messaging';
import { JetStreamTransport } from '@keelson/messaging/nest';
import { connectMongo, type MongoTimeouts } from '@keelson/persistence';
import { CATALOGUE, type ConsumerSpec } from '@keelson/schemas';
import { createLogger, PinoNestLogger, type Logger } from '@keelson/tracing';
import { DatabaseHealth } from './database-health.service';
import { ErrorFilter } from './error.filter';
import { HealthController } from './health.controller';
import { answerMethodNotAllowed } from './method-not-allowed';
import { ServiceHeartbeats } from './service-heartbeat';
import { serverTls } from './tls';

/** How often a service says it is there (recovery judges a consumer's service by it). */
const SERVICE_HEARTBEAT_MS = 2_000;

export interface InfrastructureSettings {
  nats: { url: string; user: string; password: string; replicas: number };
  mongo: { url: string; autoIndex: boolean; timeouts?: Partial<MongoTimeouts> };
}

/**
 * What every service does before Nest boots: connect to NATS (reconnecting forever) and provision
 * the catalogue, then connect to the database (retrying until its deadline). A service never
 * starts half-connected.
 */
export async function connectInfrastructure(
  settings: InfrastructureSettings,
  name: string,
  logger: Logger,
): Promise<{ messaging: Messaging; connection: Connection }> {
  const messaging = await connectNats({
    url: settings.nats.url,
    name,
    user: settings.nats.user,
    password: settings.nats.password,
    logger,
  });
  await provision(messaging.nc, messaging.jsm, CATALOGUE, { replicas: settings.nats.replicas });
  const connection = await connectMongo({
    url: settings.mongo.url,
    autoIndex: settings.mongo.autoIndex,
    ...(settings.mongo.timeouts && { timeouts: settings.mongo.timeouts }),
    logger,
  });
  return { messaging, connection };
}

/**
 * How long a leaving service keeps serving after it has said it is going (readiness 503, out of
 * the pool), so that whoever routes to it (the gateway's watch: milliseconds; a load balancer's
 * readiness probe: a period or two) stops sending before its port closes: a request sent then is
 * served, not refused mid-way. A tenth of the grace, at most a second.
 */
export const settleMs = (graceMs: number) => Math.min(1_000, Math.floor(graceMs / 10));

/** Shutdown: SHUTDOWN_GRACE, the most a SIGTERM may take before the process gives up and exits. */
const DEFAULT_GRACE_MS = 10_000;
const SHUTDOWN_GRACE = env.durationMs('SHUTDOWN_GRACE', {
  default: DEFAULT_GRACE_MS,
  min: 100,
  description: 'how long a service may take to finish in-flight work after SIGTERM',
});

export interface CloseOptions {
  /** The shutdown's whole budget (SHUTDOWN_GRACE); the settle pause is a tenth of it. */
  graceMs?: number;
}

/**
 * Answers every response with `Connection: close` once `draining()`: a client that keeps
 * connections alive opens a new one for its next request, which the closed port then refuses
 * cleanly, instead of sending on an idle socket the server is closing (ECONNRESET, which leaves a
 * producer unsure whether its batch landed).
 */
export function closeConnectionsWhile(app: NestFastifyApplication, draining: () => boolean): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_req, reply, done) => {
      if (draining()) void reply.header('connection', 'close');
      done();
    });
}

/** Fastify's default keep-alive timeout, kept when a service supplies its own server. */
const KEEP_ALIVE_MS = 72_000;

/**
 * A Nest app on Fastify with JSON logs and the API's error shape. `listener`, when given, sees
 * every HTTP request first and passes on the ones it does not serve to Fastify: a hot path (the
 * inference data plane) skips the framework that way and still shares the port.
 */
export async function createHttpApp(
  module: DynamicModule,
  logger: Logger,
  options: { bodyLimit?: number; listener?: (fastify: RequestListener) => RequestListener } = {},
): Promise<NestFastifyApplication> {
  const { listener } = options;
  const tls = serverTls();
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      trustProxy: true,
      ...(tls && !listener && { https: tls }),
      ...(listener && {
        serverFactory: (fastify: RequestListener) => {
          const handler = listener(fastify);
          const server = tls ? createTlsServer(tls, handler) : createServer(handler);
          server.keepAliveTimeout = KEEP_ALIVE_MS; // as Fastify's own server; clients pool for less
          return server;
        },
      }),
    }),
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
      // Bodies are parsed by the routes that take them, so errors say where the JSON broke.
      bodyParser: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  answerMethodNotAllowed(fastify); // before Nest adds its routes at init
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    ['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  app.useGlobalFilters(new ErrorFilter());
  return app;
}

/** Starts the crash sweeper: any service may run it; its durable consumer shares the work. */
export async function startDeadLetterSweeper(
  messaging: Messaging,
  source: string,
  logger: Logger,
): Promise<DeadLetterSweeper> {
  const sweeper = new DeadLetterSweeper({
    js: messaging.js,
    jsm: messaging.jsm,
    deadLetters: new DeadLetterPublisher(
      new EventPublisher(messaging.js, source),
      await openPayloadStore(messaging),
    ),
    logger,
  });
  await sweeper.start();
  return sweeper;
}

/** The app's readiness controller, if it serves the kit's one. */
function healthOf(app: NestFastifyApplication): HealthController | undefined {
  try {
    return app.get(HealthController, { strict: false });
  } catch {
    return undefined;
  }
}

/** Where the app listens; `https://` when it serves TLS (Nest's getUrl does not know it). */
export const localUrl = async (app: NestFastifyApplication) => {
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return app.getHttpServer() instanceof TlsServer ? url.replace(/^http:/, 'https:') : url;
};

export interface ServiceOptions {
  /** Service name: logs, traces and the CloudEvents source. */
  name: string;
  nodeId: string;
  settings: InfrastructureSettings & {
    telemetry: { logLevel: string };
    http: { host: string; port: number };
  };
  module: (messaging: Messaging, connection: Connection) => DynamicModule;
  /** Repositories whose indexes the service creates at start-up. */
  repositories: Array<new (connection: Connection) => unknown>;
  consumers: ConsumerSpec[];
  /** Messages handled at once, for every consumer or per durable name. */
  concurrency: number | Record<string, number>;
  bodyLimit?: number;
  /** Last touches to the HTTP app before it listens, e.g. a content-type parser of its own. */
  configure?: (app: NestFastifyApplication) => void;
}

export interface RunningService {
  app: NestFastifyApplication;
  url: string;
  /** The graceful shutdown (see startService); resolves once everything is closed. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Starts a Keelson service the one way they all start: connect (NATS, catalogue, database), build
 * the Nest app, create indexes, run the durable consumers under the JetStream transport (paused
 * while the database is down), the dead-letter sweeper, and the HTTP server.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const logger = createLogger({ name: options.name, level: options.settings.telemetry.logLevel });
  const source = `${options.name}/${options.nodeId}`;
  const { messaging, connection } = await connectInfrastructure(options.settings, source, logger);
  const app = await createHttpApp(options.module(messaging, connection), logger, {
    bodyLimit: options.bodyLimit,
  });
  options.configure?.(app);
  let draining = false;
  closeConnectionsWhile(app, () => draining);
  for (const repository of options.repositories)
    await (app.get(repository) as { ensureIndexes(): Promise<void> }).ensureIndexes();

  const transport = new JetStreamTransport({
    messaging,
    consumers: options.consumers,
    source,
    concurrency: options.concurrency,
    logger,
  });
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  // A database that comes back while the service drains must not start the consumers again.
  app.get(DatabaseHealth).onChange((up) => {
    if (draining) return;
    void (up ? transport.resume() : transport.pause());
  });

  const sweeper = await startDeadLetterSweeper(messaging, source, logger);
  await app.startAllMicroservices();
  await app.listen(options.settings.http.port, options.settings.http.host);
  const url = await localUrl(app);
  const database = app.get(DatabaseHealth);
  const heartbeats = new ServiceHeartbeats(new EventPublisher(messaging.js, source), {
    service: options.name,
    instanceId: `${options.name}-${options.nodeId}`.slice(0, 128),
    consumers: options.consumers,
    intervalMs: SERVICE_HEARTBEAT_MS,
    checks: () => ({
      database: database.up,
      nats: messaging.connected(),
      draining,
    }),
  });
  heartbeats.start();
  logger.info({ url }, `${options.name} ready`);
  return {
    app,
    url,
    /**
     * Readiness fails and the last heartbeat says not ready (recovery stops counting on this
     * instance); the consumers stop pulling while their in-flight messages finish and are acked;
     * after the settle pause the HTTP server closes (in-flight requests are answered, new
     * connections refused), Nest's shutdown hooks run (training gives its job back), and NATS and
     * the database close last, so nothing in flight loses them.
     */
    async close(closeOptions: CloseOptions = {}) {
      const graceMs = closeOptions.graceMs ?? DEFAULT_GRACE_MS;
      draining = true;
      healthOf(app)?.drain();
      const leaving = heartbeats.leave();
      const stopping = Promise.all([transport.pause(), sweeper.stop()]);
      await new Promise((resolve) => setTimeout(resolve, settleMs(graceMs)));
      await app.close();
      await Promise.all([stopping, leaving]);
      await connection.close();
      await messaging.drain();
    },
  };
}

/**
 * The body of every service's main.ts: start, stop cleanly on SIGTERM or SIGINT (finishing in-flight
 * work, then flushing traces) and exit 0, and exit non-zero with the reason if start-up fails or
 * the shutdown outlives SHUTDOWN_GRACE (what was still in flight is redelivered or retried: nothing
 * was acknowledged before its effect was durable). A second signal ends the process at once.
 */
export function runService(
  name: string,
  start: () => Promise<RunningService>,
  tracing: { shutdown(): Promise<void> },
): void {
  const grace = SHUTDOWN_GRACE.read(process.env);
  if (!grace.ok) {
    process.stderr.write(`${name} failed to start: SHUTDOWN_GRACE ${grace.reason}\n`);
    process.exit(1);
  }
  const graceMs = grace.value;
  start().then(
    (running) => {
      const stop = async (signal: string) => {
        const began = Date.now();
        const overdue = setTimeout(() => {
          process.stderr.write(`${name}: ${signal} shutdown outlived its grace of ${graceMs} ms\n`);
          process.exit(1);
        }, graceMs);
        overdue.unref();
        try {
          await running.close({ graceMs });
        } catch (error) {
          process.stderr.write(`${name}: shutdown failed: ${(error as Error).message}\n`);
          process.exit(1);
        }
        // Traces are worth a moment, not the grace: the exporter may be unreachable.
        const left = Math.max(0, graceMs - (Date.now() - began));
        await Promise.race([
          tracing.shutdown().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, left).unref()),
        ]);
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
    },
    (error: Error) => {
      process.stderr.write(`${name} failed to start: ${error.message}\n`);
      process.exit(1);
    },
  );
}
