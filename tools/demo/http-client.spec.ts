import {
  allRejectedReport,
  IngestHttpClient,
  IngestHttpError,
  parseIngestResponse,
  retryAfterMs,
} from './http-client';
import { FakeIngestion } from './fake-ingestion';

describe('IngestHttpClient against a local server', () => {
  const server = new FakeIngestion();
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.forced.length = 0;
    server.seen.clear();
    server.gate = 1;
  });

  const client = (overrides: Partial<ConstructorParameters<typeof IngestHttpClient>[0]> = {}) =>
    new IngestHttpClient({ url: `${server.url}/`, dataset: 'credit', key: 'secret', ...overrides });

  it('re-sends a batch after 429 with Retry-After: 0, then reports the verdicts', async () => {
    server.forced.push({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: 'slow down' },
    });
    const retries: unknown[] = [];
    const before = server.requests;
    const response = await client({ onRetry: (r) => retries.push(r) }).send([
      { id: 'c-1', age: 30, income: 1 },
      { id: 'c-1', age: 30, income: 1 },
      { id: 'c-2', age: 12, income: null },
    ]);
    expect(server.requests - before).toBe(2);
    expect(retries).toEqual([{ status: 429, waitMs: 0, attempt: 1 }]);
    expect(response).toMatchObject({ accepted: 1, duplicates: 1, rejected: 1 });
    expect(response.results[2]).toEqual({
      index: 2,
      status: 'rejected',
      reasons: [{ field: 'age', reason: 'must be at least 18' }],
    });
  });

  it('honours 503 too, and gives up after the retry limit', async () => {
    for (let i = 0; i < 3; i++) {
      server.forced.push({
        status: 503,
        headers: { 'retry-after': '0' },
        body: { error: 'draining' },
      });
    }
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    await expect(client({ maxRetries: 2, sleep }).send([{ id: 'x', age: 20 }])).rejects.toThrow(
      /answered 503 Service Unavailable \(gave up after 2 retries\): draining/,
    );
    expect(waits).toEqual([0, 0]);
  });

  it('stops at once on other errors, with the details and a hint', async () => {
    server.forced.push({
      status: 400,
      body: { error: 'bad batch', details: [{ field: 'records', reason: 'too many' }] },
    });
    const sent = server.requests;
    await expect(client().send([{ id: 'x', age: 20 }])).rejects.toThrow(
      'answered 400 Bad Request: bad batch (records: too many)',
    );
    expect(server.requests - sent).toBe(1);
    await expect(client({ key: 'wrong' }).send([{ id: 'x' }])).rejects.toThrow(
      /401 Unauthorized: unauthorized \(check --key/,
    );
    await expect(client({ dataset: 'nope' }).send([{ id: 'x' }])).rejects.toThrow(
      /404 Not Found: no such dataset \(is dataset "nope" registered/,
    );
  });

  it('counts a batch the server refused because every record was bad, and goes on', async () => {
    const response = await client().send([
      { id: 'a', age: 12, income: 'x' },
      { id: 'b', age: 15, income: null },
    ]);
    expect(response).toMatchObject({ accepted: 0, duplicates: 0, rejected: 2 });
    expect(response.results).toEqual([
      {
        index: 0,
        status: 'rejected',
        reasons: [
          { field: 'age', reason: 'must be at least 18' },
          { field: 'income', reason: 'must be a number' },
        ],
      },
      { index: 1, status: 'rejected', reasons: [{ field: 'age', reason: 'must be at least 18' }] },
    ]);
  });

  it('says when the server cannot be reached', async () => {
    const closed = new FakeIngestion();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const error = await client({ url })
      .send([{ id: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestHttpError);
    expect((error as Error).message).toMatch(/cannot reach .*ECONNREFUSED/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates, and falls back to a second', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBe(1_000);
    expect(retryAfterMs('soon', now)).toBe(1_000);
  });
});

describe('allRejectedReport', () => {
  const body = (details: unknown) => JSON.stringify({ error: 'every record...', details });
  it('marks every record rejected, even those whose reasons were cut off', () => {
    const report = allRejectedReport(body([{ field: '[1].age', reason: 'too low' }]), 3, 'd');
    expect(report).toMatchObject({ dataset: 'd', accepted: 0, rejected: 3 });
    expect(report!.results.map((r) => r.reasons)).toEqual([
      undefined,
      [{ field: 'age', reason: 'too low' }],
      undefined,
    ]);
  });
  it('leaves other 400s as errors', () => {
    expect(allRejectedReport(body([{ field: 'records', reason: 'too many' }]), 3, 'd')).toBeNull();
    expect(allRejectedReport(body([{ field: '[5].age', reason: 'x' }]), 3, 'd')).toBeNull();
    expect(allRejectedReport(body([]), 3, 'd')).toBeNull();
    expect(allRejectedReport(JSON.stringify({ error: 'bad' }), 3, 'd')).toBeNull();
    expect(allRejectedReport('not json', 3, 'd')).toBeNull();
  });
});

describe('parseIngestResponse', () => {
  const ok = {
    dataset: 'd',
    schemaVersion: 1,
    accepted: 1,
    duplicates: 0,
    rejected: 0,
    results: [],
  };
  it('accepts a well-formed response', () => {
    expect(parseIngestResponse(JSON.stringify(ok), 1)).toEqual(ok);
  });
  it('refuses malformed or inconsistent ones rather than miscount', () => {
    expect(() => parseIngestResponse('<html>', 1)).toThrow('not JSON');
    expect(() => parseIngestResponse(JSON.stringify({ ...ok, accepted: '1' }), 1)).toThrow(
      'unexpected',
    );
    expect(() => parseIngestResponse(JSON.stringify(ok), 2)).toThrow(
      'sent 2 records but the server accounted for 1',
    );
    expect(() =>
      parseIngestResponse(JSON.stringify({ ...ok, results: [{ index: 0, status: 'odd' }] }), 1),
    ).toThrow('unexpected record status');
  });
});
