import { EventPublisher } from '@keelson/messaging';
import { IngestRecords, type EventData, type RecordsValidated } from '@keelson/schemas';
import { privateDatabase, waitFor } from '@keelson/testing';
import { creditSchema, ingestionFixture, type IngestionFixture } from './ingestion-fixture';

const record = (i: number) => ({ id: `r${i}`, age: 30 + (i % 50), default: i % 3 === 0 });

describe('ingestion while the database is down', () => {
  let f: IngestionFixture;
  let db: Awaited<ReturnType<typeof privateDatabase>>;
  afterAll(async () => {
    await f?.close();
    await db?.stop();
  });

  it('answers 503 with Retry-After, leaves stream messages in JetStream, and loses and doubles nothing once it returns', async () => {
    db = await privateDatabase();
    f = await ingestionFixture({ MONGO_URL: db.url('outage') });
    const dataset = f.dataset();
    expect((await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).status).toBe(
      201,
    );
    expect(
      (await f.call('POST', `/v1/datasets/${dataset}/records`, { body: [0, 1, 2].map(record) }))
        .body.accepted,
    ).toBe(3);

    await db.stop();
    const refused = await f.call('POST', `/v1/datasets/${dataset}/records`, {
      body: [3, 4, 5].map(record),
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.error).toMatch(/retry/);
    const ready = await f.call('GET', '/health/ready', { key: null });
    expect([ready.status, ready.body.checks.database]).toEqual([503, 'down']);

    // Meanwhile a producer publishes straight onto JetStream.
    const publisher = new EventPublisher(f.messaging.js, 'outage-test');
    for (let batch = 0; batch < 4; batch++) {
      await publisher.publish(
        IngestRecords,
        { records: Array.from({ length: 10 }, (_, i) => record(100 + batch * 10 + i)) },
        { subject: dataset },
      );
    }

    await db.start();
    await waitFor(
      'readiness to return',
      async () => (await f.call('GET', '/health/ready', { key: null })).status === 200,
      { timeoutMs: 30_000 },
    );
    // The producer retries its refused batch, plus one record it already sent.
    const retried = await f.call('POST', `/v1/datasets/${dataset}/records`, {
      body: [2, 3, 4, 5].map(record),
    });
    expect(retried.body).toMatchObject({ accepted: 3, duplicates: 1 });

    await waitFor(
      'the 40 streamed records to be stored',
      async () => (await f.recordCount(dataset)) === 46,
      { timeoutMs: 40_000 },
    );
    const announced = await waitFor('every stored record announced', async () => {
      const events = await f.events<EventData<typeof RecordsValidated>>(
        'RECORDS',
        `records.validated.${dataset}`,
      );
      const ids = events.flatMap((e) => e.event.data.records.map((r) => r.recordId));
      return new Set(ids).size >= 46 ? ids : undefined;
    });
    // Each exactly once: no stream message redelivered during the outage announced twice, and
    // record 2, which the producer re-sent, was announced again only in its first event, under
    // that event's id, which JetStream dropped as a repeat.
    expect(announced).toHaveLength(46);
    expect(new Set(announced).size).toBe(46);
    expect(await f.recordCount(dataset)).toBe(46);
  });
});
