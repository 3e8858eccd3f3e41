import type { IngestResponse, RecordResult } from './summary';

export interface HttpClientOptions {
  /** Ingestion's base URL, e.g. http://127.0.0.1:8082. */
  url: string;
  dataset: string;
  key: string;
  /** How many times one batch is re-sent after 429/503 before giving up (default 20). */
  maxRetries?: number;
  /** Waits between retries; replaceable so a test can observe them. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { status: number; waitMs: number; attempt: number }) => void;
}

/** A response that ends the run: the message says what the server said and what to check. */
export class IngestHttpError extends Error {
  override name = 'IngestHttpError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const RETRYABLE = new Set([429, 503]);
const DEFAULT_RETRY_MS = 1_000;

/** Retry-After is either delay-seconds or an HTTP date; a missing or garbled one means "soon". */
export function retryAfterMs(header: string | null, now: number = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_MS;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? DEFAULT_RETRY_MS : Math.max(0, date - now);
}

export function toNdjson(records: readonly object[]): string {
  let body = '';
  for (const record of records) body += `${JSON.stringify(record)}\n`;
  return body;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class IngestHttpClient {
  readonly endpoint: string;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpClientOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/datasets/${encodeURIComponent(options.dataset)}/records`;
    this.maxRetries = options.maxRetries ?? 20;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Sends one batch, re-sending the same batch while the server sheds load. Re-sending is safe: a
   * record the server did store the first time comes back as a duplicate, by its key.
   */
  async send(records: readonly object[]): Promise<IngestResponse> {
    const body = toNdjson(records);
    for (let attempt = 0; ; attempt++) {
      const response = await this.post(body);
      if (response.ok) return parseIngestResponse(await response.text(), records.length);
      const text = await response.text();
      const allRejected =
        response.status === 400
          ? allRejectedReport(text, records.length, this.options.dataset)
          : null;
      if (allRejected) return allRejected;
      if (RETRYABLE.has(response.status) && attempt < this.maxRetries) {
        const waitMs = retryAfterMs(response.headers.get('retry-after'));
        this.options.onRetry?.({ status: response.status, waitMs, attempt: attempt + 1 });
        await this.sleep(waitMs);
        continue;
      }
      const gaveUp = RETRYABLE.has(response.status) ? ` (gave up after ${attempt} retries)` : '';
      throw new IngestHttpError(
        `POST ${this.endpoint} answered ${response.status} ${response.statusText}${gaveUp}: ` +
          `${describeError(text)}${hint(response.status, this.options.dataset)}`,
        response.status,
      );
    }
  }

  /**
   * fetch is Node's bundled undici, whose global Agent keeps connections alive; runPool bounds
   * them to --concurrency. undici's own Pool.request() costs less CPU per request (0.06–0.13 ms
   * against 0.42–0.61 ms for a batch of 500, docs/benchmarks.md), about 1% of a core at the
   * ~26 batches a second ingestion takes: not worth a second copy of undici. Its RetryAgent is no
   * substitute for send()'s loop: it waits its own backoff on `Retry-After: 0` and caps the
   * header at 30 s, has no hook for the retry line produce prints, and by default gives up with a
   * RequestRetryError that drops the server's reason.
   */
  private async post(body: string): Promise<Response> {
    try {
      return await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.key}`,
          'content-type': 'application/x-ndjson',
          accept: 'application/json',
        },
        body,
      });
    } catch (error) {
      // fetch hides the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new IngestHttpError(
        `cannot reach ${this.endpoint}: ${cause ?? (error as Error).message}; is ingestion running?`,
      );
    }
  }
}

function describeError(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: unknown;
      details?: { field: string; reason: string }[];
    };
    if (typeof body.error === 'string') {
      const details = Array.isArray(body.details)
        ? body.details.map((d) => `${d.field}: ${d.reason}`).join('; ')
        : '';
      return details ? `${body.error} (${details})` : body.error;
    }
  } catch {
    // not JSON: show the start of whatever came back
  }
  return text.trim().slice(0, 300) || '(empty body)';
}

function hint(status: number, dataset: string): string {
  if (status === 401 || status === 403) return ' (check --key or --key-file)';
  if (status === 404) return ` (is dataset "${dataset}" registered? PUT /v1/datasets/${dataset})`;
  return '';
}

const STATUSES = new Set(['accepted', 'duplicate', 'rejected']);

/** Checks the shape, because silently counting `undefined` as zero would report a wrong summary. */
export function parseIngestResponse(text: string, sent: number): IngestResponse {
  let body: Partial<IngestResponse>;
  try {
    body = JSON.parse(text) as Partial<IngestResponse>;
  } catch {
    throw new IngestHttpError(`the ingest response is not JSON: ${text.slice(0, 200)}`);
  }
  const counts = [body.accepted, body.duplicates, body.rejected];
  if (!counts.every((n) => Number.isInteger(n)) || !Array.isArray(body.results)) {
    throw new IngestHttpError(`unexpected ingest response: ${text.slice(0, 200)}`);
  }
  const results = body.results as RecordResult[];
  if (results.some((r) => !STATUSES.has(r?.status))) {
    throw new IngestHttpError(`unexpected record status in ingest response: ${text.slice(0, 200)}`);
  }
  const total = (body.accepted ?? 0) + (body.duplicates ?? 0) + (body.rejected ?? 0);
  if (total !== sent) {
    throw new IngestHttpError(`sent ${sent} records but the server accounted for ${total}`);
  }
  return body as IngestResponse;
}

/**
 * Ingestion answers 400, not 200, when every record of a batch is rejected; its details are the
 * records' reasons as `[index].field`. Those are bad records, not a bad request, so the run goes
 * on and they are counted like any rejection. A 400 with other details is a real client error.
 */
export function allRejectedReport(
  text: string,
  sent: number,
  dataset: string,
): IngestResponse | null {
  let body: { details?: unknown };
  try {
    body = JSON.parse(text) as { details?: unknown };
  } catch {
    return null;
  }
  const details = body.details;
  if (!Array.isArray(details) || details.length === 0) return null;
  const results: RecordResult[] = Array.from({ length: sent }, (_, index) => ({
    index,
    status: 'rejected',
  }));
  for (const detail of details as { field?: unknown; reason?: unknown }[]) {
    const match = /^\[(\d+)\]\.(.+)$/.exec(String(detail?.field));
    const result = match ? results[Number(match[1])] : undefined;
    if (!result) return null;
    (result.reasons ??= []).push({ field: match![2], reason: String(detail.reason) });
  }
  // The server lists the first 100 records' reasons only; the rest count as "no reason given".
  return { dataset, schemaVersion: 0, accepted: 0, duplicates: 0, rejected: sent, results };
}
