import { humanSummary, Summary, type IngestResponse } from './summary';

const response = (r: Partial<IngestResponse>): IngestResponse => ({
  dataset: 'credit',
  schemaVersion: 1,
  accepted: 0,
  duplicates: 0,
  rejected: 0,
  results: [],
  ...r,
});

describe('Summary', () => {
  it('adds up HTTP verdicts and groups rejections by field and reason', () => {
    const s = new Summary('http', 'credit');
    s.addResponse(
      5,
      response({
        accepted: 3,
        duplicates: 1,
        rejected: 1,
        results: [
          { index: 0, status: 'accepted', id: 'c-1' },
          { index: 1, status: 'duplicate', id: 'c-2' },
          {
            index: 2,
            status: 'rejected',
            reasons: [{ field: 'age', reason: 'must be at least 18' }],
          },
        ],
      }),
    );
    s.addResponse(
      3,
      response({
        rejected: 3,
        results: [
          {
            index: 0,
            status: 'rejected',
            reasons: [
              { field: 'age', reason: 'must be at least 18' },
              { field: 'income', reason: 'must be a number' },
            ],
          },
          {
            index: 1,
            status: 'rejected',
            reasons: [{ field: 'age', reason: 'must be at least 18' }],
          },
          { index: 2, status: 'rejected' },
        ],
      }),
    );
    const json = s.toJSON(2_000);
    expect(json).toEqual({
      via: 'http',
      dataset: 'credit',
      batches: 2,
      sent: 8,
      accepted: 3,
      duplicates: 1,
      rejected: 4,
      rejectedByReason: {
        'age: must be at least 18': 3,
        '?: no reason given': 1,
        'income: must be a number': 1,
      },
      elapsedSeconds: 2,
      recordsPerSecond: 4,
    });
    // Most frequent reason first, so the line worth fixing is on top.
    expect(Object.keys(json.rejectedByReason)[0]).toBe('age: must be at least 18');
    expect(humanSummary(json)).toBe(
      '8 records sent to credit via http in 2 batches: 3 accepted, 1 duplicates, 4 rejected ' +
        'in 2.0 s (4 records/s)\nrejected by reason:\n' +
        '  3\tage: must be at least 18\n  1\t?: no reason given\n  1\tincome: must be a number',
    );
  });

  it('counts NATS batches, treating a duplicate PubAck as the whole batch', () => {
    const s = new Summary('nats', 'credit');
    s.addPublished(500, false);
    s.addPublished(500, true);
    s.addPublished(20, false);
    const json = s.toJSON(0);
    expect(json).toMatchObject({
      batches: 3,
      sent: 1020,
      accepted: 520,
      duplicates: 500,
      duplicateBatches: 1,
      rejected: 0,
      recordsPerSecond: 0,
    });
    expect(humanSummary(json)).toContain('520 stored by JetStream, 500 duplicates');
  });
});
