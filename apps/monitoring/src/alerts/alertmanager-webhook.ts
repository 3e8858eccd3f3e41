import { createHash } from 'node:crypto';
import type { AlertRecord } from '@keelson/persistence';
import type { AlertChange, AlertSink } from '@keelson/service-kit';

/** Alertmanager writes this for an alert that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** `node.unhealthy` -> `KeelsonNodeUnhealthy`: the alert name receivers group and route by. */
export function alertName(kind: string): string {
  return `Keelson${kind
    .split(/[._-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * One alert as Alertmanager's webhook receiver sends it (`version: "4"`), so any receiver built
 * for Alertmanager (chat bridges, paging tools) takes Keelson's alerts unchanged.
 */
export function alertmanagerPayload(alert: AlertRecord, externalUrl: string, receiver: string) {
  const labels = {
    alertname: alertName(alert.kind),
    kind: alert.kind,
    target: alert.target,
    severity: alert.severity,
    service: 'keelson',
  };
  const annotations = {
    summary: alert.message,
    description: alert.reasons.join(', '),
    alert_id: alert._id,
  };
  const status = alert.state === 'firing' ? 'firing' : 'resolved';
  const fingerprint = createHash('sha256')
    .update(
      Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join('\u00ff'),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    version: '4',
    groupKey: `{}:{alertname="${labels.alertname}", target="${alert.target}"}`,
    truncatedAlerts: 0,
    status,
    receiver,
    groupLabels: { alertname: labels.alertname, target: alert.target },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: new Date(alert.startsAt).toISOString(),
        endsAt: alert.endsAt ? new Date(alert.endsAt).toISOString() : ZERO_TIME,
        generatorURL: `${externalUrl}/v1/alerts/${alert._id}`,
        fingerprint,
      },
    ],
  };
}

export interface WebhookSettings {
  url: string;
  externalUrl: string;
  receiver: string;
  timeoutMs: number;
  /** Attempts per notification before it is given up (and counted). */
  attempts: number;
  /** Notifications waiting at most; beyond it the oldest is dropped (and counted). */
  maxQueue: number;
}

/**
 * Forwards every alert change to an Alertmanager-compatible webhook, in order, with retries and a
 * bounded queue: a slow or dead receiver never holds up detection, and what it misses is counted.
 */
export class AlertmanagerWebhook implements AlertSink {
  private readonly queue: Array<{ alert: AlertRecord; attempt: number }> = [];
  private sending = false;
  readonly counts = { sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly settings: WebhookSettings,
    private readonly onResult: (result: 'sent' | 'failed' | 'dropped') => void = () => undefined,
    private readonly post: typeof fetch = fetch,
  ) {}

  deliver(alert: AlertRecord, _change: AlertChange): void {
    if (this.queue.length >= this.settings.maxQueue) {
      this.queue.shift();
      this.count('dropped');
    }
    this.queue.push({ alert, attempt: 0 });
    void this.drain();
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sending || this.queue.length > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue[0];
        const ok = await this.send(next.alert);
        if (ok || ++next.attempt >= this.settings.attempts) {
          this.queue.shift();
          this.count(ok ? 'sent' : 'failed');
        } else await new Promise((r) => setTimeout(r, 250 * 2 ** next.attempt));
      }
    } finally {
      this.sending = false;
    }
  }

  private async send(alert: AlertRecord): Promise<boolean> {
    const body = alertmanagerPayload(alert, this.settings.externalUrl, this.settings.receiver);
    try {
      const response = await this.post(this.settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok;
    } catch {
      return false;
    }
  }

  private count(result: 'sent' | 'failed' | 'dropped'): void {
    this.counts[result]++;
    this.onResult(result);
  }
}
