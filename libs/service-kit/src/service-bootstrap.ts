import { createServer, type RequestListener } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import {
  connectNats,
  DeadLetterPublisher,
  DeadLetterSweeper,
  EventPublisher,
  JetStreamTransport,
  openPayloadStore,
  provision,
  type Messaging,
} from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import { CATALOGUE, type ConsumerSpec } from '@keelson/schemas';
import { createLogger, PinoNestLogger, type Logger } from '@keelson/tracing';
import { DatabaseHealth } from './database-health.service';
import { ErrorFilter } from './error.filter';
import { ServiceHeartbeats } from './service-heartbeat';

/** How often a service says it is there (recovery judges a consumer's service by it). */
const SERVICE_HEARTBEAT_MS = 2_000;

export interface InfrastructureSettings {
  nats: { url: string; user: string; password: string; replicas: number };
  mongo: { url: string; autoIndex: boolean };
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
    logger,
  });
  return { messaging, connection };
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
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      trustProxy: true,
      ...(listener && {
        serverFactory: (fastify: RequestListener) => {
          const server = createServer(listener(fastify));
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

export const localUrl = async (app: NestFastifyApplication) =>
  (await app.getUrl()).replace('[::1]', '127.0.0.1');

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
  close(): Promise<void>;
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
  app.get(DatabaseHealth).onChange((up) => (up ? transport.resume() : transport.pause()));

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
    }),
  });
  heartbeats.start();
  logger.info({ url }, `${options.name} ready`);
  return {
    app,
    url,
    async close() {
      heartbeats.stop();
      await sweeper.stop();
      await app.close();
      await connection.close();
      await messaging.drain();
    },
  };
}

/**
 * The body of every service's main.ts: start, stop cleanly on SIGTERM or SIGINT (finishing in-flight
 * work, then flushing traces), and exit non-zero with the reason if start-up fails.
 */
export function runService(
  name: string,
  start: () => Promise<RunningService>,
  tracing: { shutdown(): Promise<void> },
): void {
  start().then(
    (running) => {
      const stop = async () => {
        await running.close();
        await tracing.shutdown();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop());
      process.once('SIGINT', () => void stop());
    },
    (error: Error) => {
      process.stderr.write(`${name} failed to start: ${error.message}\n`);
      process.exit(1);
    },
  );
}
