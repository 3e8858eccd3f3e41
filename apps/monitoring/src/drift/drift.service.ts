import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { DriftWindow, evaluateDrift, type DriftVerdict } from '@keelson/detection';
import { DriftReferenceRepository } from '@keelson/persistence';
import type { DriftReference, EventData, PredictionSampled } from '@keelson/schemas';
import { AlertsService } from '../alerts/alerts.service';
import type { MonitoringConfig } from '../config';
import { monitoringMetrics } from '../metrics/monitoring-metrics';
import { sampleRows } from './sample-rows';

interface VersionDrift {
  model: string;
  version: number;
  reference: DriftReference;
  window: DriftWindow;
  latest?: DriftVerdict & { judgedAt: Date };
  history: Array<DriftVerdict & { judgedAt: Date }>;
}

const HISTORY = 20;

/**
 * Drift per served model version: sampled calls are reduced to bin counts against the version's
 * reference (its training data, learned from `model.registered`), and each full window (or one
 * that grew old with enough rows) is judged by PSI per feature and for the score. A warning or
 * critical window raises `drift` for the version, naming the drifted features and their PSI; a
 * clean window resolves it.
 */
@Injectable()
export class DriftService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('drift');
  private readonly versions = new Map<string, VersionDrift>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly references: DriftReferenceRepository,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: MonitoringConfig,
  ) {
    monitoringMetrics.report('keelson_monitoring_drift_psi', () =>
      [...this.versions.values()].flatMap((v) => {
        if (!v.latest) return [];
        const labels = { model: v.model, version: String(v.version) };
        const out = v.latest.features.map((f) => ({
          labels: { ...labels, feature: f.feature },
          value: f.psi,
        }));
        const score = v.latest.score;
        if (score && 'psi' in score)
          out.push({ labels: { ...labels, feature: '_score' }, value: score.psi });
        return out;
      }),
    );
  }

  async onModuleInit(): Promise<void> {
    for (const r of await this.references.all()) this.track(r.model, r.version, r.reference);
    this.timer = setInterval(() => this.judgeOldWindows(new Date()), 5_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** A new version and its training distributions (from `model.registered`). */
  async registered(model: string, version: number, reference: DriftReference): Promise<void> {
    await this.references.save({
      _id: `${model}@${version}`,
      model,
      version,
      reference,
      registeredAt: new Date(),
    });
    if (!this.versions.has(`${model}@${version}`)) this.track(model, version, reference);
  }

  /** A batch of sampled calls of one version (from `predictions.<model>`). */
  sampled(data: EventData<typeof PredictionSampled>): void {
    const drift = this.versions.get(`${data.model}@${data.version}`);
    for (const sample of data.samples) {
      const rows = sample.inputs[0]?.shape[0] ?? 1;
      if (!drift) {
        monitoringMetrics.samples.inc({ result: 'no-reference' }, rows);
        continue;
      }
      const read = sampleRows(sample, drift.reference);
      if ('error' in read) {
        monitoringMetrics.samples.inc({ result: 'bad-shape' }, rows);
        continue;
      }
      for (const row of read.rows) drift.window.add(row);
      for (const score of read.scores) drift.window.addScore(score);
      monitoringMetrics.samples.inc({ result: 'judged' }, read.rows.length);
      if (drift.window.samples >= this.config.drift.windowRows) this.judge(drift, new Date());
    }
  }

  /** Every version of a model with its reference summary, open window and recent verdicts. */
  model(model: string) {
    const versions = [...this.versions.values()].filter((v) => v.model === model);
    if (versions.length === 0) return undefined;
    return {
      model,
      thresholds: { warning: 0.1, critical: 0.25, minRows: this.config.drift.minRows },
      versions: versions
        .sort((a, b) => b.version - a.version)
        .map((v) => ({
          version: v.version,
          reference: {
            rows: v.reference.rows,
            features: Object.keys(v.reference.features),
            score: v.reference.score
              ? `${v.reference.score.output}[${v.reference.score.column}]`
              : null,
          },
          window: { rows: v.window.samples, startedAt: v.window.startedAt.toISOString() },
          latest: v.latest ? verdictJson(v.latest) : null,
          history: v.history.map(verdictJson),
        })),
    };
  }

  private track(model: string, version: number, reference: DriftReference): void {
    this.versions.set(`${model}@${version}`, {
      model,
      version,
      reference,
      window: new DriftWindow(reference),
      history: [],
    });
  }

  private judgeOldWindows(now: Date): void {
    for (const v of this.versions.values())
      if (
        now.getTime() - v.window.startedAt.getTime() >= this.config.drift.maxWindowMs &&
        v.window.samples >= this.config.drift.minRows
      )
        this.judge(v, now);
  }

  private judge(v: VersionDrift, now: Date): void {
    const result = evaluateDrift(v.reference, v.window, { minSamples: this.config.drift.minRows });
    if (result.verdict === 'insufficient') return;
    v.window = new DriftWindow(v.reference, { startedAt: now });
    const judged = { ...result, judgedAt: now };
    v.latest = judged;
    v.history = [judged, ...v.history].slice(0, HISTORY);
    const target = `${v.model}@${v.version}`;
    if (result.verdict === 'ok') {
      this.alerts.book.resolve(
        'drift',
        target,
        `${target}: inputs and scores match training again`,
      );
      return;
    }
    const named = result.drifted.map((f) => `${f.feature} (PSI ${f.psi.toFixed(3)})`);
    const score =
      result.score && 'psi' in result.score && result.score.level !== 'ok'
        ? result.score
        : undefined;
    if (score) named.push(`score (PSI ${score.psi.toFixed(3)})`);
    const evidence = verdictJson(judged);
    this.logger.warn(`${target} drifted: ${named.join(', ')}`);
    this.alerts.book.fire({
      kind: 'drift',
      target,
      severity: result.verdict,
      message: `${target} drifted from its training data${result.datasetDrift ? ' (dataset drift)' : ''}: ${named.join(', ')}`,
      reasons: [
        ...result.drifted.map((f) => `${f.feature}: PSI ${f.psi.toFixed(3)} (${f.level})`),
        ...(score ? [`score: PSI ${score.psi.toFixed(3)} (${score.level})`] : []),
        ...(result.datasetDrift ? ['dataset drift: at least half the features drifted'] : []),
      ],
      evidence,
    });
  }
}

function verdictJson(v: DriftVerdict & { judgedAt: Date }) {
  return {
    verdict: v.verdict,
    rows: v.samples,
    startedAt: v.startedAt.toISOString(),
    judgedAt: v.judgedAt.toISOString(),
    datasetDrift: v.datasetDrift,
    drifted: v.drifted.map((f) => ({ feature: f.feature, psi: f.psi, level: f.level })),
    features: v.features.map((f) => ({
      feature: f.feature,
      psi: f.psi,
      level: f.level,
      missingShare: f.missingShare,
    })),
    score: v.score ?? null,
    unknownFeatures: v.unknownFeatures,
  };
}
