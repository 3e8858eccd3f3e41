import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { recordPreview } from '@keelson/datasets';
import { EventPublisher } from '@keelson/messaging';
import { RawRecordRepository, rawRecordId, type RawRecordDoc } from '@keelson/persistence';
import {
  deterministicUuidv7,
  MAX_RECORDS_PER_EVENT,
  RecordRejected,
  RecordsValidated,
  type FieldReason,
} from '@keelson/schemas';
import { currentTraceId } from '@keelson/tracing';
import { counter, DatabaseHealth, isConnectionError } from '@keelson/service-kit';

import { DatasetCatalog } from '../datasets/dataset-catalog.service';

export interface Arrival {
  via: 'http' | 'nats';
  /** Unique per request or per stream message: seeds the ids of the events it produces. */
  origin: string;
  /** Fixed per request or message, so a redelivered message reproduces the same event ids. */
  receivedAtMs: number;
}

/** One request's or stream message's records and how they arrived. */
export interface IngestGroup {
  records: unknown[];
  arrival: Arrival;
}

export interface RecordResult {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  reasons?: FieldReason[];
}

export interface IngestReport {
  dataset: string;
  schemaVersion: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: RecordResult[];
}

const RECORDS = counter(
  'keelson_ingested_records_total',
  'Records received, by dataset, path and outcome',
  ['dataset', 'via', 'outcome'],
);

/** A short, stable name for a set of arrivals (order-independent). */
function originsDigest(arrivals: Arrival[]): string {
  const hash = createHash('sha256');
  for (const origin of arrivals.map((a) => a.origin).sort()) hash.update(origin).update('\n');
  return `batch-${hash.digest('base64url').slice(0, 22)}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class UnknownDatasetError extends Error {
  constructor(readonly dataset: string) {
    super(`dataset ${dataset} is not registered`);
  }
}

/** A dependency (database or NATS) failed; the caller answers 503 or leaves the message unacked. */
export class DependencyUnavailableError extends Error {}

/**
 * The one ingestion pipeline behind both HTTP and `ingest.<dataset>`: validate every record against
 * its dataset's schema, store the new ones (the record id is the primary key, so a re-sent record is
 * a duplicate, never a second row), then publish `records.validated` for stored records, in events
 * of up to MAX_RECORDS_PER_EVENT, and `records.rejected` with every reason for the others. Nothing
 * is acknowledged to the producer before its records are stored and announced.
 */
@Injectable()
export class RecordIngestor {
  private readonly logger = new Logger(RecordIngestor.name);
  /** Event ids batches of this process are storing and publishing right now, with a count. */
  private readonly announcing = new Map<string, number>();

  constructor(
    private readonly catalog: DatasetCatalog,
    private readonly records: RawRecordRepository,
    private readonly publisher: EventPublisher,
    private readonly health: DatabaseHealth,
  ) {}

  /** One request's or message's records: see {@link ingestGroups}. */
  async ingest(datasetName: string, batch: unknown[], arrival: Arrival): Promise<IngestReport> {
    const [report] = await this.ingestGroups(datasetName, [{ records: batch, arrival }]);
    return report;
  }

  /**
   * Several requests' or messages' records at once (the stream consumer gathers one-record
   * messages this way): one validation pass, one database write and one set of events for all of
   * them, and a report per group. A record repeated anywhere in the groups is stored once.
   */
  async ingestGroups(datasetName: string, groups: IngestGroup[]): Promise<IngestReport[]> {
    if (!this.health.up) throw new DependencyUnavailableError('the database is unavailable');
    const dataset = await this.guard('read the dataset schema', () =>
      this.catalog.get(datasetName),
    );
    if (!dataset) throw new UnknownDatasetError(datasetName);
    const { definition, validate } = dataset;

    const docs: RawRecordDoc[] = [];
    // Where each stored record's verdict lives, so a database duplicate can be marked as one.
    const resultOf = new Map<string, RecordResult>();
    const traceId = currentTraceId();
    const groupResults = groups.map(({ records: batch, arrival }) => {
      const results: RecordResult[] = new Array(batch.length);
      const receivedAt = new Date(arrival.receivedAtMs);
      batch.forEach((record, index) => {
        const verdict = validate(record);
        if (!verdict.ok) {
          results[index] = {
            index,
            status: 'rejected',
            ...(verdict.recordId ? { id: verdict.recordId } : {}),
            reasons: verdict.reasons,
          };
          return;
        }
        if (resultOf.has(verdict.recordId)) {
          results[index] = { index, status: 'duplicate', id: verdict.recordId }; // repeated in the batch
          return;
        }
        results[index] = { index, status: 'accepted', id: verdict.recordId };
        resultOf.set(verdict.recordId, results[index]);
        docs.push({
          _id: rawRecordId(datasetName, verdict.recordId),
          dataset: datasetName,
          recordId: verdict.recordId,
          schemaVersion: definition.version,
          values: verdict.values,
          receivedAt,
          via: arrival.via,
          origin: arrival.origin,
          ...(traceId ? { traceId } : {}),
        });
      });
      return results;
    });

    // Each new record is announced in the event of its chunk. Events are named after what
    // produced them (one group: its request or message; several: all their origins), so a
    // redelivery that forms the same batch reproduces the same ids.
    const origin =
      groups.length === 1 ? groups[0].arrival.origin : originsDigest(groups.map((g) => g.arrival));
    const firstArrivalMs = Math.min(...groups.map((g) => g.arrival.receivedAtMs));
    const ownEvents = new Set<string>();
    chunks(docs, MAX_RECORDS_PER_EVENT).forEach((chunk, n) => {
      const eventId = deterministicUuidv7(
        firstArrivalMs,
        `validated:${datasetName}:${origin}:${n}`,
      );
      ownEvents.add(eventId);
      for (const doc of chunk) doc.announcedIn = eventId;
    });

    const duplicateIds = await this.storeAndAnnounce(datasetName, docs, ownEvents);
    for (const doc of docs)
      if (duplicateIds.has(doc._id)) resultOf.get(doc.recordId)!.status = 'duplicate';

    await this.guard('publish rejections', () =>
      this.publisher.publishMany(
        RecordRejected,
        groups.flatMap(({ records: batch, arrival }, g) =>
          groupResults[g]
            .filter((r) => r.status === 'rejected')
            .map((r) => ({
              data: {
                dataset: datasetName,
                ...(r.id ? { recordId: r.id.slice(0, 256) } : {}),
                preview: recordPreview(batch[r.index]),
                reasons: r.reasons!,
                receivedAt: new Date(arrival.receivedAtMs).toISOString(),
              },
              options: {
                subject: datasetName,
                id: deterministicUuidv7(
                  arrival.receivedAtMs,
                  `rejected:${arrival.origin}:${r.index}`,
                ),
              },
            })),
        ),
      ),
    );

    return groups.map(({ arrival }, g) =>
      this.report(datasetName, definition.version, arrival, groupResults[g]),
    );
  }

  /**
   * Stores the new records and publishes their `records.validated` events (and any earlier event
   * a duplicate belongs to); returns the ids that were already stored. While it runs, `ownEvents`
   * are marked as being announced by this process, so a concurrent batch that meets one of their
   * records as a duplicate leaves the event to this one: read back mid-insert, it could be partial.
   */
  private async storeAndAnnounce(
    dataset: string,
    docs: RawRecordDoc[],
    ownEvents: Set<string>,
  ): Promise<Set<string>> {
    for (const id of ownEvents) this.announcing.set(id, (this.announcing.get(id) ?? 0) + 1);
    try {
      const { duplicateIds } = await this.guard('store records', () =>
        this.records.insertNew(docs),
      );
      const announcements = await this.guard('read stored records', () =>
        this.announcements(
          docs.filter((doc) => !duplicateIds.has(doc._id)),
          [...duplicateIds],
          ownEvents,
        ),
      );
      await this.guard('publish record events', () =>
        this.publisher.publishMany(
          RecordsValidated,
          [...announcements].map(([eventId, announced]) => ({
            data: {
              dataset,
              schemaVersion: announced[0].schemaVersion,
              records: announced.map((doc) => ({
                recordId: doc.recordId,
                values: doc.values as Record<string, string | number | boolean | null>,
                receivedAt: new Date(doc.receivedAt).toISOString(),
              })),
            },
            options: { subject: dataset, id: eventId },
          })),
        ),
      );
      return duplicateIds;
    } finally {
      for (const id of ownEvents) {
        const left = this.announcing.get(id)! - 1;
        if (left > 0) this.announcing.set(id, left);
        else this.announcing.delete(id);
      }
    }
  }

  /**
   * The `records.validated` events to publish, by id: the new records' own, and for every
   * duplicate the whole event it was first announced in, published again under its id. JetStream
   * drops that copy when the event went out before (and consumers drop it by id after JetStream's
   * duplicate window); when a crash came between storing and publishing, it goes out now. Either
   * way each record is in exactly one event id, however often it is sent.
   */
  private async announcements(
    fresh: RawRecordDoc[],
    duplicateIds: string[],
    ownEvents: Set<string>,
  ): Promise<Map<string, RawRecordDoc[]>> {
    const byEvent = new Map<string, RawRecordDoc[]>();
    const add = (eventId: string, doc: RawRecordDoc) => {
      const list = byEvent.get(eventId);
      if (list) list.push(doc);
      else byEvent.set(eventId, [doc]);
    };
    for (const doc of fresh) add(doc.announcedIn!, doc);
    if (duplicateIds.length === 0) return byEvent;

    const stored = await this.records.findByIds(duplicateIds);
    const earlier = new Set<string>();
    for (const doc of stored) {
      if (doc.announcedIn) {
        // Another batch of this process is storing that event now and will publish it whole.
        if (ownEvents.has(doc.announcedIn) || !this.announcing.has(doc.announcedIn))
          earlier.add(doc.announcedIn);
      }
      // Stored before events were recorded per record: announced on its own, under an id of its own.
      else
        add(deterministicUuidv7(new Date(doc.receivedAt).getTime(), `validated:${doc._id}`), doc);
    }
    if (earlier.size > 0) {
      // The stored content is the whole event, including any of this batch's new records in it.
      for (const eventId of earlier) byEvent.delete(eventId);
      const whole = await this.records.findAnnouncedIn([...earlier]);
      whole.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
      for (const doc of whole) add(doc.announcedIn!, doc);
    }
    return byEvent;
  }

  private report(
    dataset: string,
    schemaVersion: number,
    arrival: Arrival,
    results: RecordResult[],
  ): IngestReport {
    let accepted = 0;
    let duplicates = 0;
    for (const r of results)
      if (r.status === 'accepted') accepted++;
      else if (r.status === 'duplicate') duplicates++;
    const rejected = results.length - accepted - duplicates;
    RECORDS.inc({ dataset, via: arrival.via, outcome: 'accepted' }, accepted);
    RECORDS.inc({ dataset, via: arrival.via, outcome: 'duplicate' }, duplicates);
    RECORDS.inc({ dataset, via: arrival.via, outcome: 'rejected' }, rejected);
    return { dataset, schemaVersion, accepted, duplicates, rejected, results };
  }

  /** Rejects every record of a batch for an unregistered dataset (stream path: nothing to retry). */
  async rejectUnknownDataset(
    datasetName: string,
    batch: unknown[],
    arrival: Arrival,
  ): Promise<void> {
    const reasons = [{ field: '(dataset)', reason: `dataset "${datasetName}" is not registered` }];
    await this.guard('publish rejections', () =>
      Promise.all(
        batch.map((record, index) =>
          this.publisher.publish(
            RecordRejected,
            {
              dataset: datasetName,
              preview: recordPreview(record),
              reasons,
              receivedAt: new Date(arrival.receivedAtMs).toISOString(),
            },
            {
              subject: datasetName,
              id: deterministicUuidv7(arrival.receivedAtMs, `rejected:${arrival.origin}:${index}`),
            },
          ),
        ),
      ),
    );
  }

  private async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isConnectionError(error)) {
        this.logger.warn(`cannot ${what}: ${(error as Error).message}`);
        throw new DependencyUnavailableError(`cannot ${what}: a dependency is unavailable`);
      }
      throw error;
    }
  }
}
