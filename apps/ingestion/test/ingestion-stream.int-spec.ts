import { EventPublisher } from '@keelson/messaging';
import { RawRecordRepository, rawRecordId } from '@keelson/persistence';
import {
  deterministicUuidv7,
  IngestRecords,
  type EventData,
  type RecordRejected,
  type RecordsValidated,
} from '@keelson/schemas';
import { waitFor } from '@keelson/testing';
import { creditSchema, ingestionFixture, type IngestionFixture } from './ingestion-fixture';

const record = (i: number) => ({ id: `r${i}`, age: 30 + (i % 50), default: i % 3 === 0 });
const MESSAGES = 300;

describe('ingestion from the stream, one record per message (real NATS, real database)', () => {
  let f: IngestionFixture;
  beforeAll(async () => {
    f = await ingestionFixture({ INGESTION_BATCH_DELAY: '20ms' });
  });
  afterAll(() => f?.close());

  it('gathers messages into shared writes and events, and keeps every verdict per record', async () => {
    const dataset = f.dataset();
    expect((await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).status).toBe(
      201,
    );
    const publisher = new EventPublisher(f.messaging.js, 'stream-test');
    const send = (records: unknown[]) =>
      publisher.publish(IngestRecords, { records }, { subject: dataset });
    // 300 records one per message, then a re-sent record and an invalid one, all at once.
    await Promise.all([
      ...Array.from({ length: MESSAGES }, (_, i) => send([record(i)])),
      send([record(7)]),
      send([{ id: 'bad', age: 7, default: true }]),
    ]);

    await waitFor('every record stored', async () => (await f.recordCount(dataset)) === MESSAGES, {
      timeoutMs: 60_000,
    });
    const rejected = await waitFor(
      'the invalid record rejected',
      async () => {
        const events = await f.events<EventData<typeof RecordRejected>>(
          'RECORDS',
          `records.rejected.${dataset}`,
        );
        return events.length > 0 ? events : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(rejected.map((e) => e.event.data.reasons)).toEqual([
      [expect.objectContaining({ field: 'age' })],
    ]);

    const validated = await f.events<EventData<typeof RecordsValidated>>(
      'RECORDS',
      `records.validated.${dataset}`,
    );
    const announced = new Set(
      validated.flatMap((e) => e.event.data.records.map((r) => r.recordId)),
    );
    expect(announced.size).toBe(MESSAGES);
    // Far fewer events than messages: the consumer gathered messages into batches.
    expect(validated.length).toBeLessThan(MESSAGES / 4);
    // Still exactly the unique records after the re-send.
    expect(await f.recordCount(dataset)).toBe(MESSAGES);
  });

  it('announces a stored record that never was, in its own event, when it is sent again', async () => {
    const dataset = f.dataset();
    expect((await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).status).toBe(
      201,
    );
    // As a crash between storing and publishing leaves them: stored, their event never sent.
    const lostEvent = deterministicUuidv7(Date.now(), `lost-${dataset}`);
    await new RawRecordRepository(f.connection).insertNew(
      storedRecords(dataset, [1, 2, 3], lostEvent),
    );
    // The producer retries one of them, with a new record.
    const answer = await f.call('POST', `/v1/datasets/${dataset}/records`, {
      body: [record(2), record(4)],
    });
    expect(answer.body).toMatchObject({ accepted: 1, duplicates: 1 });

    const validated = await waitFor('both events', async () => {
      const events = await f.events<EventData<typeof RecordsValidated>>(
        'RECORDS',
        `records.validated.${dataset}`,
      );
      return events.length === 2 ? events : undefined;
    });
    // The lost event goes out whole, under its own id; the new record in an event of its own.
    const byId = new Map(validated.map((e) => [e.event.id, e.event.data.records]));
    expect(byId.get(lostEvent)?.map((r) => r.recordId)).toEqual(['r1', 'r2', 'r3']);
    expect(
      [...byId.values()]
        .flat()
        .map((r) => r.recordId)
        .sort(),
    ).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('notes each event it publishes, and answers a re-send of its records from that note alone', async () => {
    const dataset = f.dataset();
    expect((await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).status).toBe(
      201,
    );
    const validated = () =>
      f.events<EventData<typeof RecordsValidated>>('RECORDS', `records.validated.${dataset}`);
    const sent = await f.call('POST', `/v1/datasets/${dataset}/records`, {
      body: [record(1), record(2), record(3)],
    });
    expect(sent.body).toMatchObject({ accepted: 3 });
    const [first] = await waitFor('the event', async () => {
      const events = await validated();
      return events.length === 1 ? events : undefined;
    });
    const notes = f.connection.collection<{ _id: string }>('published_events');
    expect(await notes.findOne({ _id: first.event.id })).toMatchObject({ _id: first.event.id });

    // Records whose event is noted as published, though it never was (so that a copy would show):
    // a re-send reads nothing back and announces nothing. Ingestion publishes before it answers,
    // so the stream is complete for the request once the answer is in.
    const records = new RawRecordRepository(f.connection);
    const noted = deterministicUuidv7(Date.now(), `noted-${dataset}`);
    await records.insertNew(storedRecords(dataset, [5, 6], noted));
    await records.markPublished([noted]);
    const again = await f.call('POST', `/v1/datasets/${dataset}/records`, { body: [record(6)] });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await validated()).map((e) => e.event.id)).toEqual([first.event.id]);

    // Without the note (a crash came between publishing and noting), the event goes out whole.
    await notes.deleteOne({ _id: noted });
    await f.call('POST', `/v1/datasets/${dataset}/records`, { body: [record(5)] });
    const whole = (await validated()).find((e) => e.event.id === noted);
    expect(whole?.event.data.records.map((r) => r.recordId)).toEqual(['r5', 'r6']);
    expect(await notes.findOne({ _id: noted })).toMatchObject({ _id: noted });
  });
});

/** Records as ingestion stores them, announced in `eventId`, as a crash can leave them. */
function storedRecords(dataset: string, ids: number[], eventId: string) {
  return ids.map((i) => ({
    _id: rawRecordId(dataset, `r${i}`),
    dataset,
    recordId: `r${i}`,
    schemaVersion: 1,
    values: record(i),
    receivedAt: new Date(),
    via: 'nats' as const,
    origin: 'nats:lost',
    announcedIn: eventId,
  }));
}
