import { parseArchiveRequest, parseEntryQuery, parseReplayRequest } from './dlq-request';

const fields = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (
      (error as { getResponse(): { details: Array<{ field: string }> } }).getResponse().details ??
      []
    )
      .map((d) => d.field)
      .sort();
  }
  throw new Error('expected a 400');
};

describe('DLQ requests', () => {
  it('reads a replay selection with its defaults: pending and parked, the configured rate', () => {
    expect(parseReplayRequest({ group: 'INGEST.ingestion.abc', reason: 'db back' }, 100)).toEqual({
      selection: { groupId: 'INGEST.ingestion.abc', state: ['pending', 'parked'] },
      rate: 100,
      reason: 'db back',
      dryRun: false,
    });
    expect(
      parseReplayRequest(
        {
          stream: 'INGEST',
          consumer: 'ingestion',
          from: '2026-12-01T00:00:00Z',
          to: '2026-12-02T00:00:00Z',
          rate: 0,
          dryRun: true,
        },
        100,
      ),
    ).toMatchObject({
      dryRun: true,
      rate: 0,
      selection: {
        stream: 'INGEST',
        consumer: 'ingestion',
        from: new Date('2026-12-01T00:00:00Z'),
      },
    });
  });

  it('names every problem of a bad replay request', () => {
    expect(
      fields(() =>
        parseReplayRequest({ consumer: 'c', rate: 1.5, states: ['lost'], reason: '' }, 100),
      ),
    ).toEqual(['(body)', 'consumer', 'rate', 'reason', 'states']);
    expect(
      fields(() => parseReplayRequest({ from: '2026-12-02', to: '2026-12-01', reason: 'r' }, 1)),
    ).toEqual(['from']);
    expect(fields(() => parseReplayRequest([], 1))).toEqual(['(body)']);
  });

  it('checks entry filters and archive requests', () => {
    expect(parseEntryQuery({ state: 'pending,parked', limit: '5' })).toEqual({
      filter: { state: ['pending', 'parked'] },
      limit: 5,
    });
    expect(fields(() => parseEntryQuery({ limit: '0', sort: 'x' }))).toEqual(['limit', 'sort']);
    expect(parseArchiveRequest({ ids: ['a', 'b'], reason: 'known' })).toEqual({
      selection: { ids: ['a', 'b'], state: ['pending', 'parked'] },
      reason: 'known',
    });
    expect(fields(() => parseArchiveRequest({ reason: 'r' }))).toEqual(['(body)']);
  });
});
