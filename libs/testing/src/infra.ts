import { randomBytes } from 'node:crypto';
import type { ConsumerSpec, StreamSpec } from '@keelson/schemas';

/** Where the servers started by `./keelson infra up` listen (the same variables the apps read). */
export const testInfra = {
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  mongoUrl: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/keelson_test',
};

/**
 * The node token a test's nodes require and its gateways and recoveries hold (set for every test by
 * tools/test/integration-setup.js): for a test that calls a node directly, as only they may.
 */
export const testNodeToken = (): string => {
  const token = process.env.KEELSON_NODE_TOKENS?.split(',')[0]?.trim();
  if (!token) throw new Error('KEELSON_NODE_TOKENS is not set (tools/test/integration-setup.js)');
  return token;
};

/** The headers a test's direct call to a prediction node carries. */
export const testNodeHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${testNodeToken()}`,
});

/** A short random suffix, so concurrent and repeated runs never share a stream or collection. */
export const uniqueId = (): string => randomBytes(4).toString('hex');

/**
 * A stream and durable consumer of a test's own, shaped like catalogue entries, so the real
 * provisioning, runner and DLQ code run against it without touching the platform's streams.
 */
export function testStream(overrides: Partial<ConsumerSpec> = {}): {
  stream: StreamSpec;
  consumer: ConsumerSpec;
  prefix: string;
} {
  const id = uniqueId();
  const prefix = `t${id}`;
  const name = `TEST_${id.toUpperCase()}`;
  return {
    prefix,
    stream: {
      name,
      subjects: [`${prefix}.>`],
      description: 'integration test',
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 120_000,
      maxBytes: -1,
      storage: 'file',
    },
    consumer: {
      stream: name,
      durable: 'worker',
      filterSubjects: [`${prefix}.*`],
      description: 'integration test',
      maxDeliver: 3,
      ackWaitMs: 2_000,
      retryBackoffMs: [200, 400],
      maxAckPending: 1_000,
      ...overrides,
    },
  };
}
