import type { FieldReason } from '@keelson/schemas';
import { ApiError } from './api-error';

/** Parses a JSON request body, turning a syntax error into a 400 that says where. */
export function parseJsonBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw; // already parsed (e.g. by a test client)
  if (raw.trim() === '') throw ApiError.badRequest('request body is empty');
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw ApiError.badRequest('request body is not valid JSON', [
      { field: '(body)', reason: (e as Error).message },
    ]);
  }
}

/**
 * Reads the records of an ingest request: a JSON array, or NDJSON (one JSON object per line; blank
 * lines ignored). Every malformed NDJSON line is reported with its line number, and the whole
 * request is refused: a half-parsed batch would leave the producer unsure what was stored.
 */
export function parseRecords(
  raw: unknown,
  contentType: string | undefined,
  maxRecords: number,
): unknown[] {
  const ndjson = /ndjson|jsonl|json-seq/i.test(contentType ?? '');
  let records: unknown[];
  if (ndjson) {
    const text = typeof raw === 'string' ? raw : '';
    const problems: FieldReason[] = [];
    records = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      try {
        records.push(JSON.parse(line));
      } catch (e) {
        if (problems.length < 20)
          problems.push({ field: `line ${i + 1}`, reason: (e as Error).message });
      }
      if (records.length + problems.length > maxRecords) break;
    }
    if (problems.length > 0)
      throw ApiError.badRequest('malformed NDJSON: fix these lines and resend the batch', problems);
  } else {
    const body = parseJsonBody(raw);
    if (!Array.isArray(body))
      throw ApiError.badRequest(
        'request body must be a JSON array of records (or NDJSON with Content-Type: application/x-ndjson)',
      );
    records = body;
  }
  if (records.length === 0) throw ApiError.badRequest('the batch holds no records');
  if (records.length > maxRecords)
    throw new ApiError(413, `a batch holds at most ${maxRecords} records; split it`);
  return records;
}
