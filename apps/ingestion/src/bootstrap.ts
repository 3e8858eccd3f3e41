import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  connectNats,
  DeadLetterPublisher,
  DeadLetterSweeper,
  EventPublisher,
  JetStreamTransport,
  provision,
} from '@keelson/messaging';
import { connectMongo, type Repository } from '@keelson/persistence';
import { CATALOGUE, consumerSpec } from '@keelson/schemas';
import { createLogger, PinoNestLogger } from '@keelson/tracing';
import type { IngestionConfig } from './config';
import { DatabaseHealth } from './health/database-health.service';
import { ErrorFilter } from './http/error.filter';
import { INGESTION_REPOSITORIES, IngestionModule } from './ingestion.module';

export interface RunningIngestion {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Connects to NATS (provisioning the catalogue) and the database, then starts the HTTP API and the
 * `ingest.*` consumer. Used by main.ts and by the integration tests, so both run the same wiring.
 */
export async function startIngestion(config: IngestionConfig): Promise<RunningIngestion> {
  const logger = createLogger({ name: 'ingestion', level: config.telemetry.logLevel });
  const messaging = await connectNats({
    url: config.nats.url,
    name: `ingestion/${config.nodeId}`,
    user: config.nats.user,
    password: config.nats.password,
    logger,
  });
  await provision(messaging.nc, messaging.jsm, CATALOGUE, { replicas: config.nats.replicas });
  const connection = await connectMongo({
    url: config.mongo.url,
    autoIndex: config.mongo.autoIndex,
    logger,
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    IngestionModule.register(config, messaging, connection),
    new FastifyAdapter({ bodyLimit: config.http.maxBodyBytes, trustProxy: true }),
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  for (const repository of INGESTION_REPOSITORIES)
    await (app.get(repository) as Repository<unknown>).ensureIndexes();

  // Bodies arrive as text and are parsed by our code, so malformed JSON and NDJSON get a 400 that
  // says where (the line), in the API's error shape.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    ['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  app.useGlobalFilters(new ErrorFilter());

  const transport = new JetStreamTransport({
    messaging,
    consumers: [consumerSpec('ingestion')],
    source: `ingestion/${config.nodeId}`,
    concurrency: config.consumer.concurrency,
    logger,
  });
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  app.get(DatabaseHealth).onChange((up) => (up ? transport.resume() : transport.pause()));

  // Any service may sweep crashed consumers' messages into the DLQ; ingestion does it from day one.
  const sweeper = new DeadLetterSweeper({
    js: messaging.js,
    jsm: messaging.jsm,
    deadLetters: new DeadLetterPublisher(
      new EventPublisher(messaging.js, `ingestion/${config.nodeId}`),
    ),
    logger,
  });
  await sweeper.start();
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info({ url }, 'ingestion ready');

  return {
    app,
    url,
    async close() {
      await sweeper.stop();
      await app.close();
      await connection.close();
      await messaging.drain();
    },
  };
}
