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
      // Once out, an event need never be announced again: a re-send of its records is answered
      // from this note (by id), not from a search of the stored records.
      if (announcements.size > 0)
        await this.guard('note the published events', () =>
          this.records.markPublished([...announcements.keys()]),
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
   * duplicate whose event is not known to have gone out, that whole event, published again under
   * its id (when it did go out after all, JetStream drops the copy, and consumers drop it by id
   * after JetStream's duplicate window). Each record is in exactly one event id, however often it
   * is sent; a re-send of records whose events went out costs look-ups by id only.
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

    const stored = await this.records.findByIds(duplicateIds, ['announcedIn']);
    const earlier = new Set<string>();
    const legacy: string[] = [];
    for (const doc of stored) {
      if (doc.announcedIn) {
        // Another batch of this process is storing that event now and will publish it whole.
        if (ownEvents.has(doc.announcedIn) || !this.announcing.has(doc.announcedIn))
          earlier.add(doc.announcedIn);
      } else legacy.push(doc._id);
    }
    // Stored before events were recorded per record: announced on its own, under an id of its own.
    if (legacy.length > 0)
      for (const doc of await this.records.findByIds(legacy))
        add(deterministicUuidv7(new Date(doc.receivedAt).getTime(), `validated:${doc._id}`), doc);
    if (earlier.size > 0) {
      // An event that went out needs nothing: its copy would be dropped anyway. One that did not
      // (a crash came between storing and publishing, or its note), or that this batch adds new
      // records to, goes out whole, read back from the stored records.
      const again = new Set(await this.records.unpublished([...earlier]));
      for (const eventId of earlier) if (byEvent.has(eventId)) again.add(eventId);
      if (again.size > 0) {
        for (const eventId of again) byEvent.delete(eventId);
        const whole = await this.records.findAnnouncedIn([...again]);
        whole.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
        for (const doc of whole) add(doc.announcedIn!, doc);
      }
    }
    return byEvent;
  }
}
