import { ConfigError, defineConfig } from './define-config';
import {
  mongoSettings,
  natsSettings,
  nodeCallHeaders,
  nodeCredentialSettings,
} from './common-settings';
import { env } from './settings';

const appConfig = defineConfig('ingestion', {
  nats: natsSettings(),
  mongo: mongoSettings(),
  http: {
    port: env.port('INGESTION_HTTP_PORT', 8082),
    maxBatch: env.integer('INGESTION_MAX_BATCH', { default: 1000, min: 1, max: 10_000 }),
  },
  retryDelayMs: env.durationMs('RETRY_DELAY', { default: 1_000 }),
  mode: env.oneOf('MODE', ['fast', 'safe'] as const, { default: 'safe' }),
});

function loadError(environment: Record<string, string>): ConfigError {
  try {
    appConfig.load(environment);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('defineConfig', () => {
  it('builds a typed, nested, frozen object with the documented defaults', () => {
    const config = appConfig.load({});
    expect(config.nats.url).toBe('nats://127.0.0.1:4222');
    expect(config.mongo.url).toBe('mongodb://127.0.0.1:27017/keelson');
    expect(config.http).toEqual({ port: 8082, maxBatch: 1000 });
    expect(config.mode).toBe('safe');
    expect(Object.isFrozen(config.http)).toBe(true);
  });

  it('parses values from the environment', () => {
    const config = appConfig.load({
      NATS_URL: 'nats://a:4222,nats://b:4222',
      INGESTION_HTTP_PORT: '9000',
      RETRY_DELAY: '2m',
      MODE: 'fast',
      MONGO_AUTO_INDEX: 'yes',
    });
    expect(config.nats.url).toBe('nats://a:4222,nats://b:4222');
    expect(config.http.port).toBe(9000);
    expect(config.retryDelayMs).toBe(120_000);
    expect(config.mode).toBe('fast');
    expect(config.mongo.autoIndex).toBe(true);
  });

  it('names every bad variable, its value and the reason, in one readable error', () => {
    const error = loadError({
      NATS_URL: 'http://x',
      INGESTION_HTTP_PORT: 'eighty',
      INGESTION_MAX_BATCH: '0',
      RETRY_DELAY: 'soon',
      MODE: 'turbo',
    });
    expect(error.problems.map((p) => p.variable)).toEqual([
      'NATS_URL',
      'INGESTION_HTTP_PORT',
      'INGESTION_MAX_BATCH',
      'RETRY_DELAY',
      'MODE',
    ]);
    expect(error.message).toBe(
      [
        'Invalid configuration for ingestion (5 problems):',
        '  - NATS_URL="http://x" must be a URL starting with nats:// or tls:// or ws:// or wss://',
        '  - INGESTION_HTTP_PORT="eighty" must be an integer from 0 to 65535',
        '  - INGESTION_MAX_BATCH="0" must be an integer from 1 to 10000',
        '  - RETRY_DELAY="soon" must be a duration such as 500ms, 5s, 2m or 1h',
        '  - MODE="turbo" must be one of fast, safe',
      ].join('\n'),
    );
  });

  it('never prints a secret value', () => {
    const error = loadError({ MONGO_URL: 'postgres://user:hunter2@db' });
    expect(error.message).toContain('MONGO_URL must be a URL starting with mongodb://');
    expect(error.message).not.toContain('hunter2');
  });

  it('takes a replica set seed list as MONGO_URL and checks each host', () => {
    const seedList =
      'mongodb://app:pw@mongo-1:27017,mongo-2:27017,[::1]:27019/keelson?replicaSet=rs0';
    const mongo = defineConfig('x', { mongo: mongoSettings() });
    expect(mongo.load({ MONGO_URL: seedList }).mongo.url).toBe(seedList);
    expect(() =>
      mongo.load({ MONGO_URL: 'mongodb://mongo-1:27017,mongo 2:27017/keelson' }),
    ).toThrow('MONGO_URL must list its hosts as host[:port] separated by commas');
    expect(() => mongo.load({ MONGO_URL: 'postgres://a:1,b:2/db' })).toThrow(
      'MONGO_URL must be a URL starting with mongodb://',
    );
  });

  it('reports a required variable that is missing', () => {
    const required = defineConfig('x', { key: env.string('API_KEY') });
    expect(() => required.load({})).toThrow('  - API_KEY is required but not set');
  });

  it('requires node tokens, checks each of them and never prints one', () => {
    const nodes = defineConfig('x', { credential: nodeCredentialSettings() });
    expect(() => nodes.load({})).toThrow('  - KEELSON_NODE_TOKENS is required but not set');
    const refusal = (() => {
      try {
        nodes.load({ KEELSON_NODE_TOKENS: 'a-long-enough-token-1, tooshort' });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).toMatch(/KEELSON_NODE_TOKENS item 2 must be at least 16 printable characters/);
    expect(refusal).not.toContain('a-long-enough-token-1');
    const loaded = nodes.load({
      KEELSON_NODE_TOKENS: ' new-token-0123456789 , old-token-0123456789 ',
    });
    expect(loaded.credential.tokens).toEqual(['new-token-0123456789', 'old-token-0123456789']);
    expect(nodeCallHeaders(loaded.credential.tokens)).toEqual({
      authorization: 'Bearer new-token-0123456789',
    });
  });

  it('lists the variables it reads', () => {
    expect(appConfig.variables().map((v) => v.variable)).toEqual(
      expect.arrayContaining(['NATS_URL', 'MONGO_URL', 'INGESTION_HTTP_PORT']),
    );
  });
});
