import type { EventData, RecordRejected, RecordsValidated } from '@keelson/schemas';
import { waitFor } from '@keelson/testing';
import { creditSchema, ingestionFixture, type IngestionFixture } from './ingestion-fixture';

const good = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  age: 40,
  income: 52_000,
  employment: 'salaried',
  default: false,
  ...extra,
});

describe('ingestion over HTTP (real NATS, real database)', () => {
  let f: IngestionFixture;
  let dataset: string;
  beforeAll(async () => {
    f = await ingestionFixture({
      INGESTION_MAX_BODY_BYTES: String(64 * 1024),
      INGESTION_MAX_BATCH_RECORDS: '50',
    });
  });
  afterAll(() => f.close());
  beforeEach(async () => {
    dataset = f.dataset();
    expect((await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).status).toBe(
      201,
    );
  });

  describe('datasets', () => {
    it('versions compatible changes and refuses breaking ones with every reason', async () => {
      expect(
        (await f.call('PUT', `/v1/datasets/${dataset}`, { body: creditSchema })).body.status,
      ).toBe('unchanged');
      const wider = {
        ...creditSchema,
        fields: { ...creditSchema.fields, region: { type: 'category', required: false } },
      };
      const updated = await f.call('PUT', `/v1/datasets/${dataset}`, { body: wider });
      expect([updated.status, updated.body.status, updated.body.dataset.version]).toEqual([
        200,
        'updated',
        2,
      ]);
      const breaking = { ...wider, fields: { ...wider.fields, age: { type: 'integer', min: 21 } } };
      const refused = await f.call('PUT', `/v1/datasets/${dataset}`, { body: breaking });
      expect(refused.status).toBe(409);
      expect(refused.body.details).toEqual([
        {
          field: 'schema',
          reason: 'field "age" minimum rises to 21; stored values may be below it',
        },
      ]);
      expect(
        (await f.call('GET', `/v1/datasets/${dataset}/versions`)).body.versions.map(
          (v: { version: number }) => v.version,
        ),
      ).toEqual([2, 1]);
    });

    it('explains an invalid schema field by field', async () => {
      const bad = await f.call('PUT', `/v1/datasets/${f.dataset()}`, {
        body: { label: 'nope', fields: { a: { type: 'text' } } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).toContain('fields.a.type');
    });

    it.each([
      [
        'a field defined as null',
        { label: 'y', fields: { y: { type: 'boolean' }, x: null } },
        'fields.x',
      ],
      ['null fields', { label: 'y', fields: null }, 'fields'],
      ['a null label', { label: null, fields: { y: { type: 'boolean' } } }, 'label'],
      ['a null type', { label: 'y', fields: { y: { type: null } } }, 'fields.y.type'],
      [
        'null category values',
        { label: 'y', fields: { y: { type: 'category', values: [null] } } },
        'fields.y.values.0',
      ],
    ])('answers %s with 400 naming the field, new dataset or not', async (_, body, field) => {
      for (const name of [f.dataset(), dataset]) {
        const bad = await f.call('PUT', `/v1/datasets/${name}`, { body });
        expect(bad.status).toBe(400);
        expect(bad.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
    });
  });

  describe('records', () => {
    it('keeps the good records of a mixed batch and reports each record', async () => {
      await f.call('POST', `/v1/datasets/${dataset}/records`, { body: [good('a')] });
      const response = await f.call('POST', `/v1/datasets/${dataset}/records`, {
        body: [good('a'), good('b'), good('c', { age: 12, colour: 'red' }), good('b')],
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        dataset,
        schemaVersion: 1,
        accepted: 1,
        duplicates: 2,
        rejected: 1,
        results: [
          { index: 0, status: 'duplicate', id: 'a' },
          { index: 1, status: 'accepted', id: 'b' },
          {
            index: 2,
            status: 'rejected',
            id: 'c',
            reasons: [
              { field: 'colour', reason: 'is not in the dataset schema' },
              { field: 'age', reason: 'must be at least 18' },
            ],
          },
          { index: 3, status: 'duplicate', id: 'b' },
        ],
      });
      expect(await f.recordCount(dataset)).toBe(2);
      const metrics = await f.call('GET', '/metrics', { key: null });
      expect(metrics.body).toContain(
        `keelson_ingested_records_total{dataset="${dataset}",via="http",outcome="accepted"} 2`,
      );
      expect(metrics.body).toContain(
        `keelson_ingested_records_total{dataset="${dataset}",via="http",outcome="rejected"} 1`,
      );
      // One event per request: the first announced a, the mixed batch its new b. The re-sent a is
      // announced again only in its first event, under that id, which JetStream drops.
      const validated = await waitFor('the validated events', async () => {
        const events = await f.events<EventData<typeof RecordsValidated>>(
          'RECORDS',
          `records.validated.${dataset}`,
        );
        return events.length === 2 ? events.map((e) => e.event.data) : undefined;
      });
      expect(validated.map((data) => data.records.map((r) => r.recordId))).toEqual([['a'], ['b']]);
      expect(validated[0]).toMatchObject({ dataset, schemaVersion: 1 });
      expect(validated[0].records[0].values).toEqual({
        id: 'a',
        age: 40,
        income: 52_000,
        employment: 'salaried',
        default: false,
      });
      expect(Date.parse(validated[1].records[0].receivedAt)).toBeGreaterThanOrEqual(
        Date.parse(validated[0].records[0].receivedAt),
      );
      const rejected = await f.events<EventData<typeof RecordRejected>>(
        'RECORDS',
        `records.rejected.${dataset}`,
      );
      expect(rejected.map((e) => e.event.data)).toEqual([
        expect.objectContaining({
          recordId: 'c',
          reasons: expect.arrayContaining([{ field: 'age', reason: 'must be at least 18' }]),
        }),
      ]);
    });

    it('accepts NDJSON and keys records without a producer key by content', async () => {
      const keyless = f.dataset();
      await f.call('PUT', `/v1/datasets/${keyless}`, { body: { ...creditSchema, key: undefined } });
      const ndjson =
        [good('x'), good('x'), good('y')].map((r) => JSON.stringify(r)).join('\n') + '\n\n';
      const response = await f.call('POST', `/v1/datasets/${keyless}/records`, {
        raw: ndjson,
        contentType: 'application/x-ndjson',
      });
      expect(response.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0 });
      expect(response.body.results[0].id).toMatch(/^[0-9a-f]{32}$/);
    });

    it.each([
      [
        'malformed JSON',
        { raw: '[{"id": "a",', contentType: 'application/json' },
        400,
        /not valid JSON/,
      ],
      ['a JSON object instead of a list', { body: good('a') }, 400, /must be a JSON array/],
      ['an empty list', { body: [] }, 400, /holds no records/],
      [
        'NaN in NDJSON',
        { raw: '{"id":"a","age":NaN,"default":true}', contentType: 'application/x-ndjson' },
        400,
        /malformed NDJSON/,
      ],
      [
        'an unsupported content type',
        { raw: 'id,age', contentType: 'text/csv' },
        415,
        /unsupported Content-Type/,
      ],
      [
        'an oversize body',
        { raw: JSON.stringify([good('big', { employment: 'x'.repeat(70_000) })]) },
        413,
        /larger than the limit/,
      ],
      [
        'too many records',
        { body: Array.from({ length: 51 }, (_, i) => good(`r${i}`)) },
        413,
        /at most 50 records/,
      ],
    ])('answers %s with a clear error', async (_case, request, status, message) => {
      const response = await f.call('POST', `/v1/datasets/${dataset}/records`, request);
      expect(response.status).toBe(status);
      expect(response.body.error).toMatch(message);
    });

    it('names the bad NDJSON lines', async () => {
      const response = await f.call('POST', `/v1/datasets/${dataset}/records`, {
        raw: `${JSON.stringify(good('a'))}\n{"id":\n${JSON.stringify(good('b'))}\nnope`,
        contentType: 'application/x-ndjson',
      });
      expect(response.body.details.map((d: { field: string }) => d.field)).toEqual([
        'line 2',
        'line 4',
      ]);
      expect(await f.recordCount(dataset)).toBe(0);
    });

    // Raw JSON text: some of these cannot be produced by JSON.stringify (1e999, 5,000 levels of nesting).
    const base = '"id": "r1", "age": 40, "default": false';
    it.each([
      [
        'a wrong type',
        `{"id": "r1", "age": "forty", "default": false}`,
        'age',
        'must be an integer, not text',
      ],
      ['a missing field', `{"id": "r1", "age": 40}`, 'default', 'is required'],
      ['an unknown field', `{${base}, "colour": "red"}`, 'colour', 'is not in the dataset schema'],
      ['Infinity', `{${base}, "income": 1e999}`, 'income', 'must be a finite number'],
      [
        'an out-of-range value',
        `{"id": "r1", "age": 500, "default": false}`,
        'age',
        'must be at most 120',
      ],
      [
        'a huge string',
        `{"id": "${'k'.repeat(5_000)}", "age": 40, "default": false}`,
        'id',
        'must be at most 256 characters (got 5000)',
      ],
      [
        'deep nesting',
        `{${base}, "income": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
        'income',
        'must be a number, not a list',
      ],
    ])(
      'rejects a batch whose only record has %s with 400, naming field and reason',
      async (_case, record, field, reason) => {
        const response = await f.call('POST', `/v1/datasets/${dataset}/records`, {
          raw: `[${record}]`,
        });
        expect(response.status).toBe(400);
        expect(response.body.details).toContainEqual({ field: `[0].${field}`, reason });
        expect(await f.recordCount(dataset)).toBe(0);
      },
    );

    it('answers an unknown dataset with 404', async () => {
      const response = await f.call('POST', '/v1/datasets/never_registered/records', {
        body: [good('a')],
      });
      expect(response.status).toBe(404);
      expect(response.body.error).toMatch(/not registered/);
    });
  });

  describe('API keys', () => {
    it('creates keys with scopes and expiry, lists them without secrets, revokes them', async () => {
      const path = `/v1/datasets/${dataset}`;
      const created = await f.call('POST', '/v1/keys', {
        body: { name: 'reader', scopes: ['ingest'], ratePerSecond: 50, expiresIn: '720h' },
      });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^kls_[a-f0-9]{16}_/);
      expect(created.body.apiKey).toMatchObject({ name: 'reader', scopes: ['ingest'] });
      expect(Date.parse(created.body.apiKey.expiresAt)).toBeGreaterThan(
        Date.now() + 29 * 86_400_000,
      );
      const listed = await f.call('GET', '/v1/keys');
      const entry = listed.body.keys.find((k: { id: string }) => k.id === created.body.apiKey.id);
      expect(entry).toMatchObject({ name: 'reader', expiresAt: created.body.apiKey.expiresAt });
      expect(JSON.stringify(listed.body)).not.toMatch(/hash|kls_/);

      // Revoked before its first use (a used key is cached for up to 30 s): refused at once.
      const spare = await f.call('POST', '/v1/keys', {
        body: { name: 'spare', scopes: ['ingest'] },
      });
      const revoked = await f.call('POST', `/v1/keys/${spare.body.apiKey.id}/revoke`);
      expect([revoked.status, revoked.body.revoked]).toEqual([200, true]);
      expect((await f.call('GET', path, { key: spare.body.key })).status).toBe(401);
      expect((await f.call('GET', path, { key: created.body.key })).status).toBe(200);

      // A key with an expiry stops working at it, cached or not.
      const brief = await f.call('POST', '/v1/keys', {
        body: {
          name: 'brief',
          scopes: ['ingest'],
          expiresAt: new Date(Date.now() + 1_500).toISOString(),
        },
      });
      expect((await f.call('GET', path, { key: brief.body.key })).status).toBe(200);
      await waitFor(
        'the brief key to expire',
        async () => (await f.call('GET', path, { key: brief.body.key })).status === 401,
        { timeoutMs: 10_000, intervalMs: 100 },
      );

      expect(
        (
          await f.call('POST', '/v1/keys', {
            key: created.body.key,
            body: { name: 'x', scopes: ['admin'] },
          })
        ).status,
      ).toBe(403);
      const bad = await f.call('POST', '/v1/keys', {
        body: { name: '', scopes: ['root'], expiresIn: 'soon', extra: 1 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'expiresIn',
        'extra',
        'name',
        'scopes',
      ]);
      expect((await f.call('POST', '/v1/keys/0000000000000000/revoke')).status).toBe(404);
      expect((await f.call('POST', '/v1/keys/not-an-id/revoke')).status).toBe(400);
    });

    it('requires a valid key with the right scope', async () => {
      const path = `/v1/datasets/${dataset}/records`;
      expect((await f.call('POST', path, { key: null, body: [good('a')] })).status).toBe(401);
      expect(
        (
          await f.call('POST', path, {
            key: 'kls_0000000000000000_' + 'A'.repeat(43),
            body: [good('a')],
          })
        ).status,
      ).toBe(401);
      const ingestOnly = await f.createKey(['ingest']);
      expect((await f.call('POST', path, { key: ingestOnly, body: [good('a')] })).status).toBe(200);
      const forbidden = await f.call('PUT', `/v1/datasets/${dataset}`, {
        key: ingestOnly,
        body: creditSchema,
      });
      expect([forbidden.status, forbidden.body.error]).toEqual([
        403,
        'this API key lacks the "admin" scope',
      ]);
    });

    it('limits each key to its rate with 429 and Retry-After', async () => {
      const slow = await f.createKey(['ingest'], 1, 2);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const r = await f.call('GET', `/v1/datasets/${dataset}`, { key: slow });
        statuses.push(r.status);
        retryAfter = r.headers.get('retry-after') ?? retryAfter;
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // Other keys are not affected.
      expect((await f.call('GET', `/v1/datasets/${dataset}`)).status).toBe(200);
    });
  });

  it('serves its OpenAPI document', async () => {
    const response = await f.call('GET', '/openapi.json', { key: null });
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths)).toContain('/v1/datasets/{name}/records');
  });
});
