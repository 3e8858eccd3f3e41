/**
 * The catalogue: every stream, consumer and KV bucket Keelson uses, as plain data. Provisioning
 * reads it and nothing else, so this file is the one place to look for "what exists on NATS".
 * Durations are milliseconds; the messaging lib converts them to JetStream's units.
 */

export type StreamName =
  | 'INGEST'
  | 'RECORDS'
  | 'FEATURES'
  | 'ML'
  | 'PREDICTIONS'
  | 'TELEMETRY'
  | 'ALERTS'
  | 'DLQ'
  | 'ADVISORIES';

export interface StreamSpec {
  /** A StreamName for the catalogue; tests provision streams of their own. */
  name: string;
  subjects: string[];
  description: string;
  /** How long messages are kept; 0 keeps them until a size limit applies. */
  maxAgeMs: number;
  /** Window in which a repeated Nats-Msg-Id is dropped as a duplicate. */
  duplicateWindowMs: number;
  /** -1 for no limit. */
  maxBytes: number;
  storage: 'file' | 'memory';
}

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects: string[];
  description: string;
  /**
   * Deliveries before a message is dead-lettered (the last one runs the DLQ path); -1 never gives
   * up (for consumers whose work is idempotent and must not be lost, such as storing dead letters).
   */
  maxDeliver: number;
  /** A handler that neither acks nor sends `working()` within this time is presumed dead. */
  ackWaitMs: number;
  /**
   * How long a live handler may run before the runner stops its `working()` heartbeats and
   * retries the message (dead-letters it on the last delivery), so a handler stuck on a hung
   * dependency cannot hold its message forever. Default: 30 s or `ackWaitMs`, whichever is longer.
   */
  handlerDeadlineMs?: number;
  /** Delay before each redelivery after a failure; the last value repeats. */
  retryBackoffMs: number[];
  /** Unacknowledged messages in flight across all instances; bounds memory and redelivery storms. */
  maxAckPending: number;
}

export interface KvBucketSpec {
  bucket: 'routing' | 'nodes' | 'models' | 'recovery-lease';
  description: string;
  history: number;
  /** Entries expire after this long without an update; 0 keeps them. */
  ttlMs: number;
}

// Streams store exactly the subjects their consumers read (one token per dataset or model): a
// deeper subject such as `ingest.credit.eu` is refused at publish time instead of being stored and
// acknowledged but never delivered.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TWO_MINUTES = 120_000;

export const STREAMS: readonly StreamSpec[] = [
  {
    name: 'INGEST',
    subjects: ['ingest.*'],
    description: "producers' raw records, from HTTP or published directly",
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
  {
    name: 'RECORDS',
    subjects: ['records.validated.*', 'records.rejected.*'],
    description: 'validated records and rejected records with their reasons',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
  {
    name: 'FEATURES',
    subjects: ['features.*'],
    description: 'feature rows produced by preprocessing',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
  {
    name: 'ML',
    subjects: ['training.>', 'model.>'],
    description: 'training jobs and model lifecycle',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
  {
    name: 'PREDICTIONS',
    subjects: ['predictions.*'],
    description: 'sampled prediction inputs and outputs for drift monitoring',
    maxAgeMs: DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: 1024 * 1024 * 1024,
    storage: 'file',
  },
  {
    name: 'TELEMETRY',
    subjects: ['telemetry.>'],
    description: 'node and gateway heartbeats; only the recent past matters',
    maxAgeMs: HOUR,
    duplicateWindowMs: 10_000,
    maxBytes: 256 * 1024 * 1024,
    storage: 'file',
  },
  {
    name: 'ALERTS',
    subjects: ['alert.>'],
    description: 'health, anomaly and drift alerts',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
  {
    name: 'DLQ',
    subjects: ['dlq.>'],
    description: 'messages whose processing failed after retries, with the last error',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 10 * 60_000,
    maxBytes: -1,
    storage: 'file',
  },
  {
    // JetStream announces a message that ran out of deliveries without a verdict (its handler's
    // process died) only as an advisory on core NATS; capturing it in a stream makes sure the
    // dead-letter sweeper sees it even if no sweeper is running at that moment.
    name: 'ADVISORIES',
    subjects: ['$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>'],
    description: 'JetStream max-deliveries advisories, read by the dead-letter sweeper',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: TWO_MINUTES,
    maxBytes: -1,
    storage: 'file',
  },
];

const DEFAULT_RETRY_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000];

function consumer(
  spec: Omit<ConsumerSpec, 'maxDeliver' | 'ackWaitMs' | 'retryBackoffMs' | 'maxAckPending'> &
    Partial<ConsumerSpec>,
): ConsumerSpec {
  return {
    maxDeliver: 5,
    ackWaitMs: 30_000,
    retryBackoffMs: DEFAULT_RETRY_BACKOFF_MS,
    maxAckPending: 1_000,
    ...spec,
  };
}

/** Durable consumers of the services; each service runs the ones whose durable names it owns. */
export const CONSUMERS: readonly ConsumerSpec[] = [
  consumer({
    stream: 'INGEST',
    durable: 'ingestion',
    filterSubjects: ['ingest.*'],
    description: 'validate, dedupe and persist raw records',
    maxAckPending: 10_000,
  }),
  consumer({
    stream: 'RECORDS',
    durable: 'preprocessing',
    filterSubjects: ['records.validated.*'],
    description: 'turn validated records into feature rows',
    maxAckPending: 10_000,
  }),
  consumer({
    stream: 'RECORDS',
    durable: 'monitoring-records',
    filterSubjects: ['records.validated.*', 'records.rejected.*'],
    description: 'count accepted and rejected records',
  }),
  consumer({
    stream: 'FEATURES',
    durable: 'training',
    filterSubjects: ['features.*'],
    description: 'retraining policy: count new feature rows',
  }),
  consumer({
    stream: 'ML',
    durable: 'training-requests',
    filterSubjects: ['training.requested'],
    description: 'start training jobs',
    ackWaitMs: 30_000,
    // A job trains for minutes and its own lease tells a lost worker; the deadline only catches
    // a job that hangs outright.
    handlerDeadlineMs: 2 * HOUR,
  }),
  consumer({
    stream: 'ML',
    durable: 'monitoring-ml',
    filterSubjects: ['training.>', 'model.>'],
    description: 'model lifecycle metrics',
  }),
  consumer({
    stream: 'PREDICTIONS',
    durable: 'monitoring-drift',
    filterSubjects: ['predictions.*'],
    description: 'drift detection on sampled predictions',
  }),
  // No durable consumer reads TELEMETRY: monitoring subscribes to heartbeats as they are sent, so
  // after a restart it judges the nodes by what they say now, never by a backlog of old beats.
  // Recovery reads node alerts with an ordered consumer from a day back, on every replica, so a new
  // leader knows at once which alerts are firing: a durable would hand it only what the old one
  // had not acknowledged.
  consumer({
    stream: 'DLQ',
    durable: 'recovery-dlq',
    filterSubjects: ['dlq.*.*'],
    description: 'record dead letters for replay',
    // Storing an entry is idempotent; a database outage must not dead-letter dead letters.
    maxDeliver: -1,
    retryBackoffMs: [1_000, 5_000, 15_000],
  }),
  consumer({
    stream: 'ADVISORIES',
    durable: 'dead-letter-sweeper',
    filterSubjects: ['$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>'],
    description: 'dead-letter messages that ran out of deliveries without a verdict',
    maxDeliver: 10,
  }),
];

export const KV_BUCKETS: readonly KvBucketSpec[] = [
  {
    bucket: 'routing',
    description: 'prediction node id -> active | ejected | probation, weight, reason, since',
    history: 10,
    ttlMs: 0,
  },
  {
    bucket: 'nodes',
    description: 'prediction node id -> addresses, loaded model versions, last heartbeat',
    history: 1,
    ttlMs: 30_000,
  },
  {
    bucket: 'models',
    description: 'model name -> production version, canary version and weight, artifact digests',
    history: 20,
    ttlMs: 0,
  },
  {
    bucket: 'recovery-lease',
    description: 'which recovery replica acts (a lease renewed by compare-and-set)',
    history: 1,
    ttlMs: 0,
  },
];

export interface ObjectStoreSpec {
  bucket: 'model-artifacts' | 'dlq-payloads';
  description: string;
  /** Objects expire this long after they are written; 0 keeps them. */
  ttlMs: number;
}

export const OBJECT_STORES: readonly ObjectStoreSpec[] = [
  {
    bucket: 'model-artifacts',
    description: 'ONNX artifacts of registered model versions, named sha256-<hex>',
    ttlMs: 0,
  },
  {
    // Dead letters too large to copy into a DLQ message: kept as long as the DLQ keeps entries,
    // not as long as their source stream keeps the original (7 days against 30).
    bucket: 'dlq-payloads',
    description: 'payloads of dead letters larger than a DLQ message can carry',
    ttlMs: 30 * DAY,
  },
];

export interface Catalogue {
  streams: readonly StreamSpec[];
  consumers: readonly ConsumerSpec[];
  kv: readonly KvBucketSpec[];
  objectStores: readonly ObjectStoreSpec[];
}

export const CATALOGUE: Catalogue = {
  streams: STREAMS,
  consumers: CONSUMERS,
  kv: KV_BUCKETS,
  objectStores: OBJECT_STORES,
};

export function consumerSpec(durable: string): ConsumerSpec {
  const spec = CONSUMERS.find((c) => c.durable === durable);
  if (!spec) throw new Error(`no consumer named ${durable} in the catalogue`);
  return spec;
}

/** The DLQ subject for a consumer's dead letters. */
export function deadLetterSubject(stream: string, durable: string): string {
  return `dlq.${stream}.${durable}`;
}
