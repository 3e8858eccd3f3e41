import { EventPublisher } from '@keelson/messaging';
import {
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
        return events.length > 0 && events;
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
});
