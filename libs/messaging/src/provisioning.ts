import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type {
  Catalogue,
  ConsumerSpec,
  KvBucketSpec,
  ObjectStoreSpec,
  StreamSpec,
} from '@keelson/schemas';

export interface ProvisionOptions {
  /**
   * Replicas per stream and bucket: 1 for a single dev server, 3 in production. A minimum: an
   * existing stream with more keeps them (see {@link replicasFor}).
   */
  replicas?: number;
}

/**
 * The replica count to give a stream, bucket or object store: what this process asks for, but
 * never fewer than it has. Every service provisions at start-up; one started without
 * NATS_STREAM_REPLICAS must not turn an R3 stream into R1. Lowering durability is an operator's
 * deliberate act (`nats stream edit`), never a side effect of a deploy.
 */
export function replicasFor(asked: number, current: number | undefined): number {
  return Math.max(asked, current ?? 0);
}

export interface ProvisionReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

function streamConfig(
  spec: StreamSpec,
  replicas: number,
): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    description: spec.description,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
    max_age: nanos(spec.maxAgeMs),
    duplicate_window: nanos(spec.duplicateWindowMs),
    max_bytes: spec.maxBytes,
    num_replicas: replicas,
    // Dead-letter capture and replay read single messages by sequence; direct get serves that fast.
    allow_direct: true,
  };
}

function consumerConfig(spec: ConsumerSpec) {
  return {
    description: spec.description,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    filter_subjects: [...spec.filterSubjects],
    max_ack_pending: spec.maxAckPending,
  };
}

// Fields the server may fill in or normalise; compare only what the catalogue sets.
function differs(current: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).some(([k, v]) => JSON.stringify(current[k]) !== JSON.stringify(v));
}

async function exists<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (e) {
    if (
      (e as { code?: number; status?: number }).status === 404 ||
      /not found/i.test((e as Error).message)
    )
      return undefined;
    throw e;
  }
}

/**
 * Makes NATS match the catalogue: creates missing streams, consumers and KV buckets and updates the
 * configuration of existing ones. Safe to run on every start of every service, concurrently.
 */
export async function provision(
  nc: NatsConnection,
  jsm: JetStreamManager,
  catalogue: Partial<Catalogue>,
  options: ProvisionOptions = {},
): Promise<ProvisionReport> {
  const replicas = options.replicas ?? 1;
  const report: ProvisionReport = { created: [], updated: [], unchanged: [] };

  for (const spec of catalogue.streams ?? []) {
    const wanted = streamConfig(spec, replicas);
    const info = await exists(() => jsm.streams.info(spec.name));
    if (!info) {
      await createOrAccept(() => jsm.streams.add(wanted));
      report.created.push(`stream ${spec.name}`);
      continue;
    }
    wanted.num_replicas = replicasFor(replicas, info.config.num_replicas);
    if (differs(info.config as unknown as Record<string, unknown>, wanted)) {
      await jsm.streams.update(spec.name, wanted);
      report.updated.push(`stream ${spec.name}`);
    } else report.unchanged.push(`stream ${spec.name}`);
  }

  for (const spec of catalogue.consumers ?? []) {
    const wanted = consumerConfig(spec);
    const info = await exists(() => jsm.consumers.info(spec.stream, spec.durable));
    const name = `consumer ${spec.stream}/${spec.durable}`;
    if (!info) {
      await createOrAccept(() =>
        jsm.consumers.add(spec.stream, {
          ...wanted,
          durable_name: spec.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
        }),
      );
      report.created.push(name);
    } else if (differs(info.config as unknown as Record<string, unknown>, wanted)) {
      await jsm.consumers.update(spec.stream, spec.durable, wanted);
      report.updated.push(name);
    } else report.unchanged.push(name);
  }

  for (const spec of catalogue.kv ?? []) await provisionBucket(nc, jsm, spec, replicas, report);
  for (const spec of catalogue.objectStores ?? [])
    await provisionObjectStore(nc, jsm, spec, replicas, report);
  return report;
}

async function provisionObjectStore(
  nc: NatsConnection,
  jsm: JetStreamManager,
  spec: ObjectStoreSpec,
  replicas: number,
  report: ProvisionReport,
) {
  const streamName = `OBJ_${spec.bucket}`;
  const info = await exists(() => jsm.streams.info(streamName));
  if (!info) {
    await createOrAccept(() =>
      new Objm(nc).create(spec.bucket, {
        description: spec.description,
        storage: StorageType.File,
        replicas,
        ttl: nanos(spec.ttlMs),
      }),
    );
    report.created.push(`object store ${spec.bucket}`);
    return;
  }
  // An object store is a stream underneath too: ttl is max_age.
  const wanted = {
    max_age: nanos(spec.ttlMs),
    num_replicas: replicasFor(replicas, info.config.num_replicas),
    description: spec.description,
  };
  if (differs(info.config as unknown as Record<string, unknown>, wanted)) {
    await jsm.streams.update(streamName, { ...info.config, ...wanted });
    report.updated.push(`object store ${spec.bucket}`);
  } else report.unchanged.push(`object store ${spec.bucket}`);
}

async function provisionBucket(
  nc: NatsConnection,
  jsm: JetStreamManager,
  spec: KvBucketSpec,
  replicas: number,
  report: ProvisionReport,
) {
  const streamName = `KV_${spec.bucket}`;
  const info = await exists(() => jsm.streams.info(streamName));
  if (!info) {
    await new Kvm(nc).create(spec.bucket, {
      history: spec.history,
      ttl: spec.ttlMs,
      replicas,
      description: spec.description,
    });
    report.created.push(`kv ${spec.bucket}`);
    return;
  }
  // A bucket is a stream underneath: history is max_msgs_per_subject, ttl is max_age.
  const wanted = {
    max_msgs_per_subject: spec.history,
    max_age: nanos(spec.ttlMs),
    num_replicas: replicasFor(replicas, info.config.num_replicas),
    description: spec.description,
  };
  if (differs(info.config as unknown as Record<string, unknown>, wanted)) {
    await jsm.streams.update(streamName, { ...info.config, ...wanted });
    report.updated.push(`kv ${spec.bucket}`);
  } else report.unchanged.push(`kv ${spec.bucket}`);
}

// Two services starting together may both try to create the same stream; the loser's
// "already in use" is success, because the catalogue is the same for both.
async function createOrAccept(create: () => Promise<unknown>) {
  try {
    await create();
  } catch (e) {
    if (!/already in use|already exists/i.test((e as Error).message)) throw e;
  }
}
