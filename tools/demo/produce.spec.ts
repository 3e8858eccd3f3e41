import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeIngestion } from './fake-ingestion';
import { produce, type ProduceOptions } from './produce';
import { Progress } from './progress';

describe('produce --via http', () => {
  const server = new FakeIngestion();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

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
    for (let i = 1; i <= 20; i++)
      rows.push(`c-${i},${i % 5 === 0 ? 10 : 30},${i % 7 === 0 ? 'lots' : ''}`);
    rows.push('"c-21",40,1000'); // a quoted id is still the same key
    ['c-2', 'c-3', 'c-21'].forEach((id) => server.seen.add(id)); // sent by an earlier run
    const file = join(dir, 'data.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    server.gate = 4; // the server answers only once 4 requests overlap
    server.forced.push({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: 'slow down' },
    });
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
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ id: `n-${i}`, age: 50, income: null }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    server.forced.push({ status: 500, body: { error: 'boom' } });
    const { summary, error } = await produce(
      options(file, { format: 'ndjson', concurrency: 1 }),
      quiet(),
    );
    expect((error as Error).message).toMatch(/answered 500 Internal Server Error: boom/);
    expect(summary.sent).toBe(0);
  });
});
