import { ApiError } from './api-error';
import { parseRecords } from './body';

function error(fn: () => unknown): { status: number; body: unknown } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return { status: e.getStatus(), body: e.getResponse() };
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('parseRecords', () => {
  it('reads a JSON array and NDJSON, skipping blank lines', () => {
    expect(parseRecords('[{"a":1},{"a":2}]', 'application/json', 10)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseRecords('{"a":1}\n\n{"a":2}\r\n', 'application/x-ndjson', 10)).toEqual([
      { a: 1 },
      { a: 2 },
    ]);
  });

  it('names every malformed NDJSON line', () => {
    expect(error(() => parseRecords('{"a":1}\n{oops\n[\n', 'application/x-ndjson', 10))).toEqual({
      status: 400,
      body: {
        error: 'malformed NDJSON: fix these lines and resend the batch',
        details: [
          { field: 'line 2', reason: expect.stringMatching(/JSON/) },
          { field: 'line 3', reason: expect.stringMatching(/JSON/) },
        ],
      },
    });
  });

  it('refuses non-lists, empty batches and batches over the limit', () => {
    expect(error(() => parseRecords('{"a":1}', 'application/json', 10)).status).toBe(400);
    expect(error(() => parseRecords('[]', 'application/json', 10)).status).toBe(400);
    expect(error(() => parseRecords('', 'application/json', 10)).status).toBe(400);
    expect(error(() => parseRecords('[1,2,3]', 'application/json', 2))).toEqual({
      status: 413,
      body: { error: 'a batch holds at most 2 records; split it' },
    });
  });
});
