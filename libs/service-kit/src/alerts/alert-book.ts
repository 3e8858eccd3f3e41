import { uuidv7, type AlertKind, type AlertSeverityName } from '@keelson/schemas';
import type { AlertFilter, AlertRecord } from '@keelson/persistence';

export interface AlertInput {
  kind: AlertKind;
  target: string;
  severity: AlertSeverityName;
  message: string;
  reasons: string[];
  evidence: Record<string, unknown>;
}

/** Where alerts are kept (MongoDB in the service; a map in unit tests). */
export interface AlertStore {
  save(alert: AlertRecord): Promise<void>;
  firing(): Promise<AlertRecord[]>;
}

/** `fired`: a new alert; `escalated`: its severity changed; `notice`: a one-off, born resolved. */
export type AlertChange = 'fired' | 'escalated' | 'resolved' | 'notice';

/** Tells the world about a change (NATS, an Alertmanager webhook). Must not throw. */
export interface AlertSink {
  deliver(alert: AlertRecord, change: AlertChange): void;
}

export const alertKey = (kind: string, target: string) => `${kind}:${target}`;

/**
 * The alert lifecycle: one firing alert per key (kind + target). Firing again for an open key
 * updates its evidence and tells the sinks only when the severity changes, so a detector that
 * re-raises every second never storms; resolving closes the episode and tells them once.
 * Memory holds the truth while the service runs; every change is written behind it to the store,
 * retried until it lands (the database may be down), and load() brings back the firing alerts
 * after a restart, so they neither fire again nor get lost.
 */
export class AlertBook {
  private readonly open = new Map<string, AlertRecord>();
  private readonly dirty = new Map<string, AlertRecord>();
  private readonly writers = new Map<string, Promise<void>>();

  constructor(
    private readonly store: AlertStore,
    private readonly sinks: AlertSink[],
    private readonly now: () => Date = () => new Date(),
    private readonly retryMs = 1_000,
  ) {}

  /**
   * Reloads the alerts that were firing when the service last stopped: those of the kinds this
   * service raises (`owns`; all of them when not given), since services share the history.
   */
  async load(owns?: readonly string[]): Promise<AlertRecord[]> {
    const firing = (await this.store.firing()).filter((a) => !owns || owns.includes(a.kind));
    for (const alert of firing) this.open.set(alert.key, alert);
    return firing;
  }

  fire(input: AlertInput): AlertRecord {
    const key = alertKey(input.kind, input.target);
    const at = this.now();
    const existing = this.open.get(key);
    if (existing) {
      const escalated = existing.severity !== input.severity;
      Object.assign(existing, {
        severity: input.severity,
        message: input.message,
        reasons: input.reasons,
        evidence: input.evidence,
        updatedAt: at,
      });
      this.persist(existing);
      if (escalated) this.tell(existing, 'escalated');
      return existing;
    }
    const alert: AlertRecord = {
      _id: uuidv7(at.getTime()),
      key,
      ...input,
      state: 'firing',
      startsAt: at,
      updatedAt: at,
    };
    this.open.set(key, alert);
    this.persist(alert);
    this.tell(alert, 'fired');
    return alert;
  }

  /** Closes the open alert of this key, if any; `why` replaces its message. */
  resolve(
    kind: AlertKind,
    target: string,
    why?: string,
    evidence?: Record<string, unknown>,
  ): AlertRecord | undefined {
    const key = alertKey(kind, target);
    const alert = this.open.get(key);
    if (!alert) return undefined;
    this.open.delete(key);
    const at = this.now();
    Object.assign(alert, {
      state: 'resolved',
      endsAt: at,
      updatedAt: at,
      ...(why && { message: why }),
      ...(evidence && { evidence }),
    });
    this.persist(alert);
    this.tell(alert, 'resolved');
    return alert;
  }

  /** A one-off that needs no follow-up (`node.recovered`): recorded and told, born resolved. */
  notice(input: AlertInput): AlertRecord {
    const at = this.now();
    const alert: AlertRecord = {
      _id: uuidv7(at.getTime()),
      key: alertKey(input.kind, input.target),
      ...input,
      state: 'resolved',
      startsAt: at,
      endsAt: at,
      updatedAt: at,
    };
    this.persist(alert);
    this.tell(alert, 'notice');
    return alert;
  }

  isFiring(kind: AlertKind, target: string): boolean {
    return this.open.has(alertKey(kind, target));
  }

  get(kind: AlertKind, target: string): AlertRecord | undefined {
    return this.open.get(alertKey(kind, target));
  }

  firing(filter: AlertFilter = {}): AlertRecord[] {
    return [...this.open.values()].filter(
      (a) =>
        (!filter.kind || a.kind === filter.kind) && (!filter.target || a.target === filter.target),
    );
  }

  /** Writes not yet stored (the database is down), for readiness and metrics. */
  get unsaved(): number {
    return this.dirty.size;
  }

  /** Waits until every change so far is stored (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.writers.size > 0) await Promise.all([...this.writers.values()]);
  }

  private tell(alert: AlertRecord, change: AlertChange): void {
    const snapshot = structuredClone(alert);
    for (const sink of this.sinks) sink.deliver(snapshot, change);
  }

  /** The latest version of each alert is written, one write at a time per alert, until stored. */
  private persist(alert: AlertRecord): void {
    this.dirty.set(alert._id, structuredClone(alert));
    if (this.writers.has(alert._id)) return;
    const writer = (async () => {
      for (;;) {
        const latest = this.dirty.get(alert._id);
        if (!latest) break;
        this.dirty.delete(alert._id);
        try {
          await this.store.save(latest);
        } catch {
          if (!this.dirty.has(alert._id)) this.dirty.set(alert._id, latest);
          await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
        }
      }
    })().finally(() => this.writers.delete(alert._id));
    this.writers.set(alert._id, writer);
  }
}
