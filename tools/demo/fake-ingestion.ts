// A test double for ingestion's records endpoint, shared by the HTTP client and producer specs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordResult } from './summary';

export interface Forced {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** Answers like ingestion's `POST /v1/datasets/{dataset}/records`, with scripted failures first. */
export class FakeIngestion {
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
      if (typeof r.age !== 'number' || r.age < 18)
        reasons.push({ field: 'age', reason: 'must be at least 18' });
      if (r.income !== null && typeof r.income !== 'number')
        reasons.push({ field: 'income', reason: 'must be a number' });
      if (reasons.length) return { index, status: 'rejected', reasons };
      const id = String(r.id);
      if (this.seen.has(id)) return { index, status: 'duplicate', id };
      this.seen.add(id);
      return { index, status: 'accepted', id };
    });
    const count = (s: string) => results.filter((r) => r.status === s).length;
    // Like ingestion: a batch with nothing usable is a 400 listing each record's reasons.
    if (count('rejected') === results.length) {
      return reply(400, {
        error: `every record in the batch was rejected (${results.length})`,
        details: results.flatMap((r) =>
          (r.reasons ?? []).map((x) => ({ field: `[${r.index}].${x.field}`, reason: x.reason })),
        ),
      });
    }
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
