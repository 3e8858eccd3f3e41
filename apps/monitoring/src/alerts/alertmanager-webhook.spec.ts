import type { AlertRecord } from '@keelson/persistence';
import { alertmanagerPayload, alertName, AlertmanagerWebhook } from './alertmanager-webhook';

const alert: AlertRecord = {
  _id: '0190a0a0-0000-7000-8000-000000000001',
  key: 'node.unhealthy:node-1',
  kind: 'node.unhealthy',
  target: 'node-1',
  state: 'firing',
  severity: 'critical',
  message: 'node-1 is unhealthy: server-errors',
  reasons: ['server-errors'],
  evidence: {},
  startsAt: new Date('2026-12-01T10:00:00Z'),
  updatedAt: new Date('2026-12-01T10:00:00Z'),
};

describe('Alertmanager webhook payload', () => {
  it("is Alertmanager's version 4 webhook body", () => {
    const body = alertmanagerPayload(alert, 'http://monitoring:8084', 'keelson');
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'keelson',
      externalURL: 'http://monitoring:8084',
      commonLabels: { alertname: 'KeelsonNodeUnhealthy', severity: 'critical', target: 'node-1' },
    });
    expect(body.alerts).toEqual([
      {
        status: 'firing',
        labels: expect.objectContaining({ alertname: 'KeelsonNodeUnhealthy' }),
        annotations: expect.objectContaining({ summary: alert.message }),
        startsAt: '2026-12-01T10:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: `http://monitoring:8084/v1/alerts/${alert._id}`,
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    const resolved = alertmanagerPayload(
      { ...alert, state: 'resolved', endsAt: new Date('2026-12-01T10:05:00Z') },
      'http://m',
      'keelson',
    );
    expect(resolved.alerts[0]).toMatchObject({
      status: 'resolved',
      endsAt: '2026-12-01T10:05:00.000Z',
    });
    expect(resolved.alerts[0].fingerprint).toBe(body.alerts[0].fingerprint); // same alert
    expect(alertName('capacity.forecast')).toBe('KeelsonCapacityForecast');
  });

  it('retries a failing receiver, then gives up and counts it', async () => {
    let calls = 0;
    const post = (async () => {
      calls++;
      return new Response('', { status: calls < 2 ? 503 : 200 });
    }) as unknown as typeof fetch;
    const hook = new AlertmanagerWebhook(
      {
        url: 'http://x',
        externalUrl: 'http://m',
        receiver: 'k',
        timeoutMs: 100,
        attempts: 3,
        maxQueue: 10,
      },
      undefined,
      post,
    );
    hook.deliver(alert, 'fired');
    await hook.idle();
    expect(hook.counts).toEqual({ sent: 1, failed: 0, dropped: 0 });
    expect(calls).toBe(2);
  });
});
