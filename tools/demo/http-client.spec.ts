import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestHttpClient, IngestHttpError, parseIngestResponse, retryAfterMs } from './http-client';
import { produce, type ProduceOptions } from './produce';
import { Progress } from './progress';
import type { RecordResult } from './summary';

interface Forced {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** Answers like ingestion's `POST /v1/datasets/{dataset}/records`, with scripted failures first. */
class FakeIngestion {
  readonly forced: Forced[] = [];
  readonly seen = new Set<string>();
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private server: Server = createServer((req, res) => void this.handle(req, res));
  /** Holds the first requests until this many are in flight, to prove the client overlaps them. */
  gate = 1;
  private waiting: (() => void)[] = [];

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let body = '';
    for await (const chunk of req) body += chunk;
    if (this.inFlight >= this.gate) {
      this.gate = 1; // only the first wave is held, so a short tail cannot wait forever
      this.waiting.splice(0).forEach((go) => go());
    } else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.inFlight--;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== 'Bearer secret') return reply(401, { error: 'unauthorized' });
    if (req.url !== '/v1/datasets/credit/records') return reply(404, { error: 'no such dataset' });
    if (req.headers['content-type'] !== 'application/x-ndjson') {
      return reply(415, { error: 'expected application/x-ndjson' });
    }
    const forced = this.forced.shift();
    if (forced) return reply(forced.status, forced.body, forced.headers);
    const records = body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const results: RecordResult[] = records.map((r, index) => {
      const reasons = [];
      if (typeof r.age !== 'number' || r.age < 18) reasons.push({ field: 'age', reason: 'must be at least 18' });
      if (r.income !== null && typeof r.income !== 'number') reasons.push({ field: 'income', reason: 'must be a number' });
      if (reasons.length) return { index, status: 'rejected', reasons };
      const id = String(r.id);
      if (this.seen.has(id)) return { index, status: 'duplicate', id };
      this.seen.add(id);
      return { index, status: 'accepted', id };
    });
    const count = (s: string) => results.filter((r) => r.status === s).length;
    reply(200, {
      dataset: 'credit',
      schemaVersion: 1,
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      results,
    });
  }
}

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
    server.forced.push({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down' } });
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
      server.forced.push({ status: 503, headers: { 'retry-after': '0' }, body: { error: 'draining' } });
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

  it('says when the server cannot be reached', async () => {
    const closed = new FakeIngestion();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const error = await client({ url }).send([{ id: 'x' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestHttpError);
    expect((error as Error).message).toMatch(/cannot reach .*ECONNREFUSED/);
  });

  describe('produce --via http', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'keelson-produce-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const options = (file: string, more: Partial<ProduceOptions> = {}): ProduceOptions => ({
      file,
      dataset: 'credit',
      via: 'http',
      url: server.url,
      key: 'secret',
      nats: '',
      batch: 3,
      concurrency: 4,
      format: 'csv',
      ...more,
    });
    const quiet = () => new Progress(0, { isTTY: false, write: () => true });

    it('keeps batches in flight concurrently, retries, and sums every verdict', async () => {
      const rows = ['id,age,income'];
      for (let i = 1; i <= 20; i++) rows.push(`c-${i},${i % 5 === 0 ? 10 : 30},${i % 7 === 0 ? 'lots' : ''}`);
      rows.push('"c-21",40,1000'); // a quoted id is still the same key
      ['c-2', 'c-3', 'c-21'].forEach((id) => server.seen.add(id)); // sent by an earlier run
      const file = join(dir, 'data.csv');
      writeFileSync(file, `${rows.join('\n')}\n`);
      server.gate = 4; // the server answers only once 4 requests overlap
      server.forced.push({ status: 429, headers: { 'retry-after': '0' }, body: { error: 'slow down' } });
      const logs: string[] = [];
      const { summary, error } = await produce(options(file), quiet(), (l) => logs.push(l));
      expect(error).toBeUndefined();
      expect(server.maxInFlight).toBe(4);
      expect(logs).toEqual(['server answered 429; retry 1 in 0.0 s']);
      // 21 records: age 10 at i = 5, 10, 15, 20; income "lots" at 7, 14; 3 seen before.
      expect(summary.toJSON(1000)).toEqual({
        via: 'http',
        dataset: 'credit',
        batches: 7,
        sent: 21,
        accepted: 12,
        duplicates: 3,
        rejected: 6,
        rejectedByReason: { 'age: must be at least 18': 4, 'income: must be a number': 2 },
        elapsedSeconds: 1,
        recordsPerSecond: 21,
      });
    });

    it('reads NDJSON and stops on the first fatal error', async () => {
      const file = join(dir, 'data.ndjson');
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `n-${i}`, age: 50, income: null }));
      writeFileSync(file, `${lines.join('\n')}\n`);
      server.forced.push({ status: 500, body: { error: 'boom' } });
      const { summary, error } = await produce(options(file, { format: 'ndjson', concurrency: 1 }), quiet());
      expect((error as Error).message).toMatch(/answered 500 Internal Server Error: boom/);
      expect(summary.sent).toBe(0);
    });
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

describe('parseIngestResponse', () => {
  const ok = { dataset: 'd', schemaVersion: 1, accepted: 1, duplicates: 0, rejected: 0, results: [] };
  it('accepts a well-formed response', () => {
    expect(parseIngestResponse(JSON.stringify(ok), 1)).toEqual(ok);
  });
  it('refuses malformed or inconsistent ones rather than miscount', () => {
    expect(() => parseIngestResponse('<html>', 1)).toThrow('not JSON');
    expect(() => parseIngestResponse(JSON.stringify({ ...ok, accepted: '1' }), 1)).toThrow('unexpected');
    expect(() => parseIngestResponse(JSON.stringify(ok), 2)).toThrow('sent 2 records but the server accounted for 1');
    expect(() =>
      parseIngestResponse(JSON.stringify({ ...ok, results: [{ index: 0, status: 'odd' }] }), 1),
    ).toThrow('unexpected record status');
  });
});
