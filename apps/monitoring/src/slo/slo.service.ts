import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import {
  parseSloConfig,
  SloEvaluator,
  slosForModel,
  type GatewayBeat,
  type SloConfig,
  type SloEvaluation,
} from '@keelson/detection';
import { GATEWAY_LATENCY_BUCKETS_MS } from '@keelson/schemas';
import { AlertsService } from '../alerts/alerts.service';
import type { MonitoringConfig } from '../config';
import { monitoringMetrics } from '../metrics/monitoring-metrics';

type SloName = 'availability' | 'latency';

interface ModelSlo {
  model: string;
  name: SloName;
  objective: number;
  /** Latency SLOs: the histogram bound the threshold is read at (the largest not above it). */
  thresholdMs?: number;
  bucket?: number;
  evaluator: SloEvaluator;
  latest?: SloEvaluation;
}

interface Previous {
  startedAt: string;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  buckets: number[];
  seenAt: number;
}

/**
 * Gateway SLOs per model, alerted by multi-window, multi-burn-rate rules (the SRE workbook's page
 * at 14.4x over 1 h and 5 m, page at 6x over 6 h and 30 m, ticket at 1x over 3 d and 6 h).
 * Availability counts the platform's failures against the requests callers got right (client
 * mistakes burn no budget); latency counts requests answered above the threshold. Both come from
 * the gateways' monotonic counters, so a lost heartbeat loses no requests.
 */
@Injectable()
export class SloService implements OnModuleInit, OnApplicationShutdown {
  private readonly objectives: SloConfig;
  private readonly slos = new Map<string, ModelSlo>();
  private readonly previous = new Map<string, Previous>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: MonitoringConfig,
  ) {
    const parsed = parseSloConfig(config.slo.objectives);
    if (!parsed.ok) throw new Error(`MONITORING_SLOS is invalid: ${parsed.errors.join('; ')}`);
    this.objectives = parsed.config;
    monitoringMetrics.report('keelson_monitoring_slo_burn_rate', () =>
      [...this.slos.values()].flatMap((s) =>
        (s.latest?.windows ?? [])
          .filter((w) => w.burnRate !== undefined)
          .map((w) => ({
            labels: { model: s.model, slo: s.name, window: windowLabel(w.windowMs / this.scale) },
            value: w.burnRate!,
          })),
      ),
    );
    monitoringMetrics.report('keelson_monitoring_slo_error_budget_remaining', () =>
      [...this.slos.values()]
        .filter((s) => s.latest)
        .map((s) => ({
          labels: { model: s.model, slo: s.name },
          value: s.latest!.budget.remaining,
        })),
    );
  }

  private get scale(): number {
    return this.config.slo.windowScale;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.evaluate(Date.now()), this.config.slo.evaluateMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  gatewayBeat(beat: GatewayBeat, now = Date.now()): void {
    for (const m of beat.models) {
      if (m.model === '_unknown') continue; // names nobody serves have no objective
      const key = `${beat.gatewayId}\u0000${m.model}`;
      const before = this.previous.get(key);
      this.previous.set(key, {
        startedAt: beat.startedAt,
        requests: m.requests,
        serverErrors: m.serverErrors,
        clientErrors: m.clientErrors,
        buckets: m.latencyBuckets,
        seenAt: now,
      });
      // A gateway's first heartbeat, or its first after a restart, is the baseline.
      if (!before || before.startedAt !== beat.startedAt || m.requests < before.requests) continue;
      const requests = m.requests - before.requests;
      const server = m.serverErrors - before.serverErrors;
      const client = m.clientErrors - before.clientErrors;
      if (requests <= 0) continue;
      const valid = Math.max(0, requests - client);
      this.slo(m.model, 'availability').evaluator.add(now, Math.max(0, valid - server), valid);
      const latency = this.slo(m.model, 'latency');
      const fast =
        (m.latencyBuckets[latency.bucket!] ?? 0) - (before.buckets[latency.bucket!] ?? 0);
      latency.evaluator.add(now, Math.max(0, Math.min(fast, requests)), requests);
    }
    for (const [key, p] of this.previous)
      if (now - p.seenAt > 10 * 60_000) this.previous.delete(key);
  }

  evaluate(now: number): void {
    for (const slo of this.slos.values()) {
      slo.latest = slo.evaluator.evaluate(now);
      const target = `${slo.model}:${slo.name}`;
      if (slo.latest.firing.length === 0) {
        this.alerts.book.resolve(
          'slo.burn',
          target,
          `${target} is burning its budget no faster than allowed`,
        );
        continue;
      }
      const severity = slo.latest.severity === 'page' ? 'critical' : 'warning';
      this.alerts.book.fire({
        kind: 'slo.burn',
        target,
        severity,
        message: `${target} burns its error budget too fast (${slo.latest.severity}: ${slo.latest.firing
          .map((r) => `${r.burnRateThreshold}x`)
          .join(', ')})`,
        reasons: slo.latest.firing.map(
          (r) =>
            `burn >= ${r.burnRateThreshold}x over ${windowLabel(r.long.windowMs / this.scale)} and ${windowLabel(r.short.windowMs / this.scale)}`,
        ),
        evidence: this.describe(slo),
      });
    }
  }

  /** Every SLO with its latest evaluation, for /v1/slos. */
  list() {
    return [...this.slos.values()].map((s) => this.describe(s));
  }

  private describe(s: ModelSlo) {
    return {
      model: s.model,
      slo: s.name,
      objective: s.objective,
      ...(s.thresholdMs !== undefined && { thresholdMs: s.thresholdMs }),
      windowScale: this.scale,
      windows: (s.latest?.windows ?? []).map((w) => ({
        window: windowLabel(w.windowMs / this.scale),
        windowMs: w.windowMs,
        good: w.good,
        total: w.total,
        errorRatio: w.errorRatio ?? null,
        burnRate: w.burnRate ?? null,
      })),
      firing: (s.latest?.firing ?? []).map((r) => ({
        severity: r.severity,
        burnRate: r.burnRateThreshold,
        long: windowLabel(r.long.windowMs / this.scale),
        short: windowLabel(r.short.windowMs / this.scale),
      })),
      budget: s.latest?.budget ?? null,
    };
  }

  private slo(model: string, name: SloName): ModelSlo {
    const key = `${model}\u0000${name}`;
    let slo = this.slos.get(key);
    if (slo) return slo;
    const targets = slosForModel(this.objectives, model);
    const objective = name === 'availability' ? targets.availability : targets.latency.objective;
    slo = {
      model,
      name,
      objective,
      evaluator: new SloEvaluator({
        objective,
        windowScale: this.scale,
        minEventsPerWindow: this.config.slo.minRequests,
      }),
    };
    if (name === 'latency') {
      const bounds = GATEWAY_LATENCY_BUCKETS_MS as readonly number[];
      const index = Math.max(
        0,
        bounds.findLastIndex((b) => b <= targets.latency.thresholdMs),
      );
      slo.bucket = index;
      slo.thresholdMs = bounds[index];
    }
    this.slos.set(key, slo);
    return slo;
  }
}

/** 3600000 -> `1h`, 300000 -> `5m`, 259200000 -> `3d`: the rule's window before scaling. */
function windowLabel(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  for (const [unit, size] of units)
    if (ms >= size && Math.abs(ms / size - Math.round(ms / size)) < 1e-6)
      return `${Math.round(ms / size)}${unit}`;
  return `${Math.round(ms)}ms`;
}
