import type { AlertRecord } from '@keelson/persistence';
import type { NodeBeat } from '@keelson/detection';
import { monitoringConfig } from '../config';
import { AlertBook } from '@keelson/service-kit';
import type { AlertsService } from '../alerts/alerts.service';
import { ANOMALY_RULE, SeriesService } from './series.service';

function beat(nodeId: string, ok: number): NodeBeat {
  const calls = { ok, clientErrors: 0, serverErrors: 0, overloaded: 0 };
  return {
    nodeId,
    addresses: { http: 'h', grpc: 'g' },
    startedAt: '2026-12-01T00:00:00.000Z',
    sentAt: new Date().toISOString(),
    intervalMs: 1_000,
    inFlight: 0,
    queueDepth: 0,
    queueCapacity: 512,
    requests: ok,
    calls,
    latencyMs: { count: 50, p50: 1, p95: 2, p99: 3 },
    failedLatencyMs: { count: 0, p50: 0, p95: 0, p99: 0 },
    eventLoopLagMs: 1,
    models: [
      {
        name: 'credit',
        version: 1,
        ready: true,
        calls,
        latencyMs: { count: 50, p50: 1, p95: 2, p99: 3 },
        queueDepth: 0,
        queueCapacity: 512,
        inFlight: 0,
      },
    ],
    samples: { published: 0, dropped: 0 },
  };
}

describe('SeriesService', () => {
  it('raises one anomaly per series after the confirming points, and resolves it when calm', async () => {
    const saved: AlertRecord[] = [];
    const book = new AlertBook(
      { save: async (a) => void saved.push(a), firing: async () => [] },
      [],
    );
    const series = new SeriesService(
      { book } as unknown as AlertsService,
      monitoringConfig.load({ MONITORING_SERIES_STEP: '10s' }),
    );
    // A stand-in detector scripted per point: the service's job is the rule, not the scores.
    const script = [0, 0, 0.95, 0.95, 0.95, ...Array(ANOMALY_RULE.calmPoints).fill(0)];
    series.createDetector = () => {
      const scores = [...script]; // each series has its own detector
      return { update: () => scores.shift() ?? 0 };
    };
    let ok = 0;
    const firing = () => book.firing({ kind: 'anomaly' }).map((a) => a.target);
    const target = 'node:n1:credit:requests_per_second';
    const history: string[][] = [];
    for (let i = 0; i < 12; i++) {
      ok += 400;
      series.nodeBeat(beat('n1', ok));
      series.step(Date.now());
      history.push(firing().filter((t) => t === target));
    }
    // The first step is the baseline; then two calm points, then two hot ones raise it.
    expect(history.map((h) => h.length)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    await book.flush();
    expect(saved.filter((a) => a.key === `anomaly:${target}`).map((a) => a.state)).toContain(
      'resolved',
    );
  });
});
