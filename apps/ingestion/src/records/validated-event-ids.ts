import { createHash } from 'node:crypto';
import type { RawRecordDoc } from '@keelson/persistence';
import { deterministicUuidv7, MAX_RECORDS_PER_EVENT } from '@keelson/schemas';
import type { Arrival, IngestGroup } from './ingest.types';

/**
 * Names the `records.validated` event each new record will be announced in (`doc.announcedIn`),
 * in events of up to MAX_RECORDS_PER_EVENT, and returns those event ids. Events are named after
 * what produced them (one group: its request or message; several: all their origins), so a
 * redelivery that forms the same batch reproduces the same ids.
 */
export function assignValidatedEvents(
  datasetName: string,
  groups: IngestGroup[],
  docs: RawRecordDoc[],
): Set<string> {
  const origin =
    groups.length === 1 ? groups[0].arrival.origin : originsDigest(groups.map((g) => g.arrival));
  const firstArrivalMs = Math.min(...groups.map((g) => g.arrival.receivedAtMs));
  const ownEvents = new Set<string>();
  chunks(docs, MAX_RECORDS_PER_EVENT).forEach((chunk, n) => {
    const eventId = deterministicUuidv7(firstArrivalMs, `validated:${datasetName}:${origin}:${n}`);
    ownEvents.add(eventId);
    for (const doc of chunk) doc.announcedIn = eventId;
  });
  return ownEvents;
}

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
