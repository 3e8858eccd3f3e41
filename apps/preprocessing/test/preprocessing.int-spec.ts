import { applyTransform, type NumericStats, type TransformSpec } from '@keelson/ml';
import { connectNats, EventPublisher, readEvents, type Messaging } from '@keelson/messaging';
import {
  ApiKeyRepository,
  connectMongo,
  DatasetRepository,
  featureRowBatchId,
  FeatureRowRepository,
  FeatureStatsRepository,
  TransformRepository,
} from '@keelson/persistence';
import {
  RecordsValidated,
  uuidv7,
  type EventData,
  type FeatureRowsCreated,
} from '@keelson/schemas';
import type { RunningService } from '@keelson/service-kit';
import { testInfra, uniqueId, waitFor } from '@keelson/testing';
import type { Connection } from 'mongoose';
import { startPreprocessing } from '../src/bootstrap';
import { preprocessingConfig } from '../src/config';

describe('preprocessing (real NATS, real database)', () => {
  let service: RunningService;
  let connection: Connection;
  let messaging: Messaging;
  const dataset = `ds_${uniqueId()}`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/preprocessing_test_${uniqueId()}`);

  beforeAll(async () => {
    connection = await connectMongo({ url: mongoUrl });
    await new DatasetRepository(connection).saveVersion(
      dataset,
      {
        label: 'default',
        key: 'id',
        fields: {
          id: { type: 'category' },
          age: { type: 'integer' },
          income: { type: 'number', required: false },
          employment: { type: 'category', required: false },
          default: { type: 'boolean' },
        },
      },
      0,
    );
    service = await startPreprocessing(
      preprocessingConfig.load({
        ...process.env,
        MONGO_URL: mongoUrl,
        PREPROCESSING_HTTP_PORT: '0',
        KEELSON_TRACING: 'false',
        LOG_LEVEL: 'warn',
        PREPROCESSING_BATCH_RECORDS: '100',
      }),
    );
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'preprocessing-test' });
  });
  afterAll(async () => {
    await service?.close();
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
  });

  const values = (i: number) => ({
    id: `r${i}`,
    age: 20 + (i % 60),
    income: i % 10 === 0 ? null : 30_000 + (i % 97) * 1_000,
    employment: i % 13 === 0 ? null : ['salaried', 'retired', 'student'][i % 3],
    default: i % 4 === 0,
  });

  it('turns validated records into feature rows once each, with statistics and versioned transforms', async () => {
    const publisher = new EventPublisher(messaging.js, 'ingestion/test');
    // Events of 25 records, as ingestion would announce 25-record producer batches.
    const publish = (from: number) =>
      publisher.publish(
        RecordsValidated,
        {
          dataset,
          schemaVersion: 1,
          records: Array.from({ length: 25 }, (_, k) => ({
            recordId: `r${from + k}`,
            values: values(from + k),
            receivedAt: new Date(1_700_000_000_000 + from + k).toISOString(),
          })),
        },
        { subject: dataset },
      );
    for (let from = 0; from < 1_000; from += 25) await publish(from);
    // Two events delivered again (as a redelivery after a crash, or a copy past JetStream's
    // duplicate window): the same event ids, which preprocessing's own dedupe must drop.
    const sent = await readEvents<EventData<typeof RecordsValidated>>(
      messaging.js,
      'RECORDS',
      `records.validated.${dataset}`,
    );
    for (const { event } of sent.slice(0, 2))
      await messaging.js.publish(`records.validated.${dataset}`, JSON.stringify(event));

    const rows = new FeatureRowRepository(connection);
    await waitFor('1,000 feature rows', async () => (await rows.countFor(dataset)) === 1_000, {
      timeoutMs: 40_000,
    });
    const features = await waitFor('every row announced', async () => {
      const events = await readEvents<EventData<typeof FeatureRowsCreated>>(
        messaging.js,
        'FEATURES',
        `features.${dataset}`,
      );
      const rows = events.flatMap((e) => e.event.data.rows);
      return new Set(rows.map((r) => r.recordId)).size === 1_000 ? { events, rows } : undefined;
    });
    // The copies were consumed (the metric below counts them) and stored nothing: 1,000 rows.
    await waitFor(
      'the copies consumed',
      async () =>
        (await (await fetch(`${service.url}/metrics`)).text()).includes(
          `keelson_feature_rows_total{dataset="${dataset}",outcome="duplicate"} 50`,
        ),
      { timeoutMs: 20_000 },
    );
    expect(await rows.countFor(dataset)).toBe(1_000);
    // One features event per validated event; the copies' announcements carry the same ids,
    // which JetStream drops.
    expect(features.events).toHaveLength(40);
    expect(features.rows).toHaveLength(1_000);

    const keys = new ApiKeyRepository(connection);
    const { key } = await keys.create({
      name: 'reader',
      scopes: ['train'],
      ratePerSecond: 0,
      burst: 0,
    });
    const { key: predictOnly } = await keys.create({
      name: 'client',
      scopes: ['predict'],
      ratePerSecond: 0,
      burst: 0,
    });
    const path = `${service.url}/v1/datasets/${dataset}/features`;
    // Producers' statistics are not for anyone who can reach the port.
    expect((await fetch(path)).status).toBe(401);
    expect(
      (await fetch(path, { headers: { authorization: `Bearer ${predictOnly}` } })).status,
    ).toBe(403);
    const response = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
    const view = (await response.json()) as {
      featureRows: number;
      stats: {
        records: number;
        fields: Record<string, NumericStats & { counts?: Record<string, number> }>;
      };
    };
    expect(view.featureRows).toBe(1_000);
    expect(view.stats.records).toBe(1_000);
    const income = view.stats.fields.income as NumericStats;
    expect([income.count, income.missing]).toEqual([900, 100]);
    const expectedCounts: Record<string, number> = {};
    for (let i = 0; i < 1_000; i++) {
      const e = values(i).employment;
      if (e !== null) expectedCounts[e] = (expectedCounts[e] ?? 0) + 1;
    }
    expect(view.stats.fields.employment.counts).toEqual(expectedCounts);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain(
      `keelson_feature_rows_total{dataset="${dataset}",outcome="stored"} 1000`,
    );

    // Refit each time the data doubles: several versions, each fitted on at least twice the last.
    const transforms = new TransformRepository(connection);
    const latest = (await transforms.latest(dataset))!;
    expect(latest.version).toBeGreaterThanOrEqual(3);
    const first = (await transforms.get(dataset, 1))!;
    expect(first.featureNames).toEqual(['age', 'income', ...first.featureNames.slice(2)]);
    expect(first.featureNames).not.toContain('id');

    // Every stored row is exactly the transform of its record under the version it names.
    const stored = await new FeatureRowRepository(connection).findByDataset(dataset);
    expect(stored).toHaveLength(40);
    const specs = new Map<number, TransformSpec>();
    for (const batch of stored) {
      const spec =
        specs.get(batch.transformVersion) ??
        (await transforms.get(dataset, batch.transformVersion))!;
      specs.set(batch.transformVersion, spec);
      expect(batch.count).toBe(batch.rows.length);
      for (const row of batch.rows) {
        const i = Number(String(row.recordId).slice(1));
        expect({ features: row.features, label: row.label }).toEqual(
          applyTransform(spec, values(i)),
        );
      }
    }
    const r7 = features.rows.filter((r) => r.recordId === 'r7');
    expect(r7).toHaveLength(1);
    expect(r7[0]).toMatchObject({ label: 0, transformVersion: 1 });
    expect(features.events[0].event.data.dataset).toBe(dataset);
  });

  it('counts rows an earlier delivery stored but never counted (it died in between), exactly once', async () => {
    const statsOfDataset = async () => (await new FeatureStatsRepository(connection).get(dataset))!;
    const before = (await statsOfDataset()).records;
    const eventId = uuidv7();
    const records = Array.from({ length: 25 }, (_, k) => ({
      recordId: `late${k}`,
      values: values(5_000 + k),
      receivedAt: new Date().toISOString(),
    }));
    // The first delivery stored its rows, then the process died before merging the statistics.
    await new FeatureRowRepository(connection).insertNew([
      {
        _id: featureRowBatchId(dataset, eventId),
        dataset,
        eventId,
        transformVersion: 1,
        rows: records.map((r) => ({ recordId: r.recordId, features: [0], label: 0 })),
        count: 25,
        createdAt: new Date(),
      },
    ]);
    const publisher = new EventPublisher(messaging.js, 'ingestion/test');
    const event = { dataset, schemaVersion: 1, records };
    await publisher.publish(RecordsValidated, event, { subject: dataset, id: eventId });
    await waitFor(
      'the redelivered rows counted',
      async () => (await statsOfDataset()).records === before + 25,
      {
        timeoutMs: 20_000,
      },
    );
    // And delivered once more (past the duplicate window): already counted, so counted no more.
    const [sent] = (
      await readEvents<EventData<typeof RecordsValidated>>(
        messaging.js,
        'RECORDS',
        `records.validated.${dataset}`,
      )
    ).filter((e) => e.event.id === eventId);
    await messaging.js.publish(`records.validated.${dataset}`, JSON.stringify(sent.event));
    await waitFor(
      'the second copy consumed',
      async () =>
        (await (await fetch(`${service.url}/metrics`)).text()).includes(
          `keelson_feature_rows_total{dataset="${dataset}",outcome="duplicate"} 100`,
        ),
      { timeoutMs: 20_000 },
    );
    expect((await statsOfDataset()).records).toBe(before + 25);
  });
});
