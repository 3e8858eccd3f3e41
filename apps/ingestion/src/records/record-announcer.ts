import type { EventPublisher } from '@keelson/messaging';
import type { RawRecordDoc, RawRecordRepository } from '@keelson/persistence';
import { deterministicUuidv7, RecordsValidated } from '@keelson/schemas';
import type { DependencyGuard } from './dependency-guard';

/**
 * Stores new records and announces them in `records.validated` events, so that each record is in
 * exactly one event id however often it is sent (the record id is the primary key, so a re-sent
 * record is a duplicate, never a second row). One per process: it knows which events this
 * process's batches are announcing right now.
 */
export class RecordAnnouncer {
  /** Event ids batches of this process are storing and publishing right now, with a count. */
  private readonly announcing = new Map<string, number>();

  constructor(
    private readonly records: RawRecordRepository,
    private readonly publisher: EventPublisher,
    private readonly guard: DependencyGuard,
  ) {}

  /**
   * Stores the new records and publishes their `records.validated` events (and any earlier event
   * a duplicate belongs to); returns the ids that were already stored. While it runs, `ownEvents`
   * are marked as being announced by this process, so a concurrent batch that meets one of their
   * records as a duplicate leaves the event to this one: read back mid-insert, it could be partial.
   */
  async storeAndAnnounce(
    dataset: string,
    docs: RawRecordDoc[],
    ownEvents: Set<string>,
  ): Promise<Set<string>> {
    for (const id of ownEvents) this.announcing.set(id, (this.announcing.get(id) ?? 0) + 1);
    try {
      const { duplicateIds } = await this.guard('store records', () =>
        this.records.insertNew(docs),
      );
      const fresh = docs.filter((doc) => !duplicateIds.has(doc._id));
      const { announcements, ownEventsMet } = await this.guard('read stored records', () =>
        this.announcements(fresh, [...duplicateIds], ownEvents),
      );
      // An own event no duplicate belongs to was stored whole by this insert: its members are
      // the fresh records announced in it, recorded so that a later re-send finds them by id.
      const members = new Map<string, string[]>();
      for (const doc of fresh) {
        if (ownEventsMet.has(doc.announcedIn!)) continue;
        const list = members.get(doc.announcedIn!);
        if (list) list.push(doc._id);
        else members.set(doc.announcedIn!, [doc._id]);
      }
      if (members.size > 0)
        await this.guard('record event members', () => this.records.recordEvents(members));
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
  ): Promise<{ announcements: Map<string, RawRecordDoc[]>; ownEventsMet: Set<string> }> {
    const byEvent = new Map<string, RawRecordDoc[]>();
    const ownEventsMet = new Set<string>();
    const add = (eventId: string, doc: RawRecordDoc) => {
      const list = byEvent.get(eventId);
      if (list) list.push(doc);
      else byEvent.set(eventId, [doc]);
    };
    for (const doc of fresh) add(doc.announcedIn!, doc);
    if (duplicateIds.length === 0) return { announcements: byEvent, ownEventsMet };

    const stored = await this.records.findByIds(duplicateIds);
    const earlier = new Set<string>();
    for (const doc of stored) {
      if (doc.announcedIn) {
        if (ownEvents.has(doc.announcedIn)) ownEventsMet.add(doc.announcedIn);
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
      const whole = await this.records.announcedIn([...earlier]);
      whole.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
      for (const doc of whole) add(doc.announcedIn!, doc);
    }
    return { announcements: byEvent, ownEventsMet };
  }
}
