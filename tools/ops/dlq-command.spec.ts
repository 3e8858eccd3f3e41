import { formatGroups, formatTasks } from './dlq-command';

describe('dead letters at a terminal', () => {
  it('shows each group with its counts, error and automatic replay', () => {
    const text = formatGroups([
      {
        _id: 'INGEST.ingestion.f00',
        stream: 'INGEST',
        consumer: 'ingestion',
        failure: 'exhausted',
        count: 1_000,
        counts: { pending: 0, replayed: 10, resolved: 990, parked: 0, archived: 0 },
        lastSeen: '2026-12-01T12:00:00.000Z',
        pattern: 'insert refused',
        replay: { status: 'replaying', note: '10 left' },
      },
    ]);
    expect(text).toContain(
      'INGEST/ingestion, exhausted: 1000 message(s) (10 replayed, 990 resolved)',
    );
    expect(text).toContain('error: insert refused');
    expect(text).toContain('automatic replay: replaying (10 left)');
    expect(formatGroups([])).toBe('no dead letters');
  });

  it('shows tasks with progress, rate and who started them', () => {
    const text = formatTasks([
      {
        _id: 't1',
        state: 'running',
        auto: true,
        by: 'recovery-1',
        reason: 'the probe replay succeeded',
        total: 1_000,
        replayed: 500,
        rate: 100,
        createdAt: '2026-12-01T12:00:00Z',
      },
      {
        _id: 't2',
        state: 'failed',
        auto: false,
        by: 'key-7',
        reason: 'fixed',
        total: 3,
        replayed: 1,
        rate: 0,
        createdAt: '2026-12-01T12:00:00Z',
        error: 'no stream',
      },
    ]);
    expect(text).toMatch(/t1\s+running\s+500\/1000\s+100\s+recovery: the probe replay succeeded/);
    expect(text).toMatch(/t2\s+failed\s+1\/3\s+max\s+key-7: fixed \(no stream\)/);
  });
});
