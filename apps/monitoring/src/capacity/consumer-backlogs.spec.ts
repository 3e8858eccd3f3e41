import { ConsumerBacklogs } from './consumer-backlogs';

describe('ConsumerBacklogs', () => {
  const reading = (pending: number, ackPending: number) => ({
    num_pending: pending,
    num_ack_pending: ackPending,
  });

  it('reports the latest pending and ack-pending counts of each consumer', () => {
    const backlogs = new ConsumerBacklogs();
    backlogs.observe('INGEST', 'ingestion', reading(10, 2), 0);
    backlogs.observe('RECORDS', 'preprocessing', reading(0, 0), 0);
    backlogs.observe('INGEST', 'ingestion', reading(7, 3), 5_000);
    expect(backlogs.pending()).toEqual([
      { labels: { stream: 'INGEST', consumer: 'ingestion' }, value: 7 },
      { labels: { stream: 'RECORDS', consumer: 'preprocessing' }, value: 0 },
    ]);
    expect(backlogs.ackPending()).toEqual([
      { labels: { stream: 'INGEST', consumer: 'ingestion' }, value: 3 },
      { labels: { stream: 'RECORDS', consumer: 'preprocessing' }, value: 0 },
    ]);
  });

  it('keeps the same consumer on two streams apart', () => {
    const backlogs = new ConsumerBacklogs();
    backlogs.observe('A', 'worker', reading(1, 0), 0);
    backlogs.observe('B', 'worker', reading(2, 0), 0);
    expect(backlogs.pending().map((s) => s.value)).toEqual([1, 2]);
  });

  it('forgets a consumer no longer read, so its series leave the gauges', () => {
    const backlogs = new ConsumerBacklogs();
    backlogs.observe('INGEST', 'ingestion', reading(10, 2), 0);
    backlogs.observe('ML', 'training-requests', reading(4, 1), 0);
    backlogs.observe('INGEST', 'ingestion', reading(12, 2), 40_000);
    backlogs.forgetSilent(50_000, 50_000); // both within the silence
    expect(backlogs.pending()).toHaveLength(2);
    backlogs.forgetSilent(50_001, 50_000); // training-requests deleted: unread since 0
    expect(backlogs.pending()).toEqual([
      { labels: { stream: 'INGEST', consumer: 'ingestion' }, value: 12 },
    ]);
    expect(backlogs.ackPending()).toEqual([
      { labels: { stream: 'INGEST', consumer: 'ingestion' }, value: 2 },
    ]);
  });
});
