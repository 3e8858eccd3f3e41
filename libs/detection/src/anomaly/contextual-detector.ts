import type { AnomalyDetector } from './anomaly-detector';
import { ContextNovelty } from './components/context-novelty';
import { EvidenceWindow } from './components/evidence-window';
import { LevelForecaster } from './components/level-forecaster';
import { RunEvidence } from './components/run-evidence';
import { SeriesClock } from './components/series-clock';
import { StuckValue } from './components/stuck-value';
import { TailCalibrator } from './components/tail-calibrator';
import { TrendChange } from './components/trend-change';
import { VarianceChange } from './components/variance-change';
import { abs, isFiniteNumber, isNotANumber, log10, max, min } from './math';

export type OptionalComponent = 'context' | 'variance' | 'trend' | 'run' | 'stuck' | 'evidence';

export interface ContextualDetectorOptions {
  /** Points before any non-zero score (default 16). */
  minPoints?: number;
  /** Points over which scores ramp up from 0 to full strength after minPoints (default 144). */
  warmupPoints?: number;
  /** Memory of the calibrators and of the context table, in points (default 2000). */
  memory?: number;
  /** Points in the evidence window (the anomaly-likelihood short average; default 12). */
  evidencePoints?: number;
  /** A gap longer than this many typical intervals resets the short-term state (default 12). */
  gapIntervals?: number;
  /** Surprise (log10 units) at which the score reaches 1 (default 10). */
  saturation?: number;
  /**
   * Scores are calibrated per this much time, not per point (default 5 minutes): a series sampled
   * every second has 300 chances per 5 minutes to show a 1-in-1,000 point, so its surprise is
   * lowered by log10(300), and one threshold means about the same false-alarm rate per hour at
   * any sampling rate. Sparser series are not raised. 0 calibrates per point.
   */
  referenceIntervalMs?: number;
  /** Components to switch off, for ablation studies (all on by default). */
  disable?: readonly OptionalComponent[];
}

/** Which test drove a point's score. */
export type AnomalyCause =
  'none' | 'deviation' | 'context' | 'variance' | 'trend' | 'run' | 'stuck' | 'evidence';

export interface AnomalyVerdict {
  /** In [0, 1]: surprise (log10 units) / saturation. */
  score: number;
  cause: AnomalyCause;
  /** What the forecaster expected for this point (NaN for a skipped value). */
  expected: number;
}

type CalibratedTest = 'context' | 'variance' | 'trend' | 'run';
const CALIBRATED_TESTS: readonly CalibratedTest[] = ['context', 'variance', 'trend', 'run'];

// Gaussian-noise priors for each test's calibrator (its 90th percentile and mean excess over it):
// |z| 1.64 and 0.45; bits of context novelty, |log variance ratio|, |slope t|, and the run test's
// binomial surprise, which is 0 most of the time.
const DEVIATION_PRIOR = [1.64, 0.45] as const;
const PRIORS: Record<CalibratedTest, readonly [number, number]> = {
  context: [1, 0.5],
  variance: [0.3, 0.15],
  trend: [1.64, 0.45],
  run: [0.5, 1],
};
/** The deviation test and the four calibrated tests above, judged at once. */
const TESTS_AT_ONCE = 5;

/**
 * The platform's streaming anomaly detector: an ensemble in the class of NAB's leaders (HTM,
 * ContextOSE). Per point, in constant time and memory:
 *
 * 1. A forecaster (LevelForecaster) predicts the point from a robust flat level or from a learned
 *    daily profile with a per-phase noise scale, whichever has lately been the more likely, and
 *    absorbs confirmed level shifts: a shift is flagged while it is new, not for as long as an
 *    average takes to catch up. Its normalised residual z feeds the tests below.
 * 2. Tests, each a different view of the recent past: the deviation |z|; the novelty of the
 *    current transition given the quantised context of the last residuals (ContextNovelty, which
 *    speaks only on series whose contexts do predict); a change of noise level; a change of trend;
 *    a run of same-side deviations; and a value that stopped changing (StuckValue).
 * 3. Each test's statistic is calibrated on the series' own history into a surprise, -log10 of
 *    its tail probability (TailCalibrator), so a heavy-tailed latency learns its ordinary slow
 *    points and a white-noise series its ordinary extremes; the strongest surprise, Bonferroni-
 *    corrected for the number of tests, is the point's evidence.
 * 4. Anomaly-likelihood post-processing (EvidenceWindow): the mean evidence of the last dozen
 *    points against its own long-term distribution, which catches a change that no single point
 *    shows and keeps a noisy stretch from storming.
 *
 * The score is the surprise per reference interval over `saturation`, clamped to [0, 1]. NaN and
 * infinite values are skipped: they score 0 and leave the state as it was. The design, and the
 * figures that chose it, are in docs/anomaly-detection.md.
 */
export class ContextualDetector implements AnomalyDetector {
  private readonly clock: SeriesClock;
  private readonly forecaster = new LevelForecaster();
  private readonly context: ContextNovelty;
  private readonly variance = new VarianceChange();
  private readonly trend = new TrendChange();
  private readonly run = new RunEvidence();
  private readonly stuck = new StuckValue();
  private readonly evidence: EvidenceWindow;
  /**
   * Each forecaster model's |z| has its own calibrator, learning all the time: the flat model's
   * residuals on a seasonal series in its first day are heavy-tailed lag errors, and a shared
   * calibrator would remember them for a week after the daily profile took over.
   */
  private readonly flatDeviation: TailCalibrator;
  private readonly seasonalDeviation: TailCalibrator;
  private readonly calibrators: Record<CalibratedTest, TailCalibrator>;
  private readonly minPoints: number;
  private readonly warmupPoints: number;
  private readonly saturation: number;
  private readonly referenceIntervalMs: number;
  private readonly disabled: ReadonlySet<OptionalComponent>;
  private seasonalActive = false;
  private n = 0;

  constructor(options: ContextualDetectorOptions = {}) {
    const memory = options.memory ?? 2000;
    this.minPoints = options.minPoints ?? 16;
    this.warmupPoints = options.warmupPoints ?? 144;
    this.saturation = options.saturation ?? 10;
    this.referenceIntervalMs = options.referenceIntervalMs ?? 300_000;
    this.disabled = new Set(options.disable ?? []);
    this.clock = new SeriesClock(options.gapIntervals ?? 12);
    this.context = new ContextNovelty(2, memory);
    this.evidence = new EvidenceWindow(options.evidencePoints ?? 12, memory);
    this.flatDeviation = new TailCalibrator(...DEVIATION_PRIOR, memory);
    this.seasonalDeviation = new TailCalibrator(...DEVIATION_PRIOR, memory);
    this.calibrators = {
      context: new TailCalibrator(...PRIORS.context, memory),
      variance: new TailCalibrator(...PRIORS.variance, memory),
      trend: new TailCalibrator(...PRIORS.trend, memory),
      run: new TailCalibrator(...PRIORS.run, memory),
    };
  }

  update(timestampMs: number, value: number): number {
    return this.inspect(timestampMs, value).score;
  }

  /** As update, with the test that drove the score and the forecast: for explanations. */
  inspect(timestampMs: number, value: number): AnomalyVerdict {
    if (!isFiniteNumber(value)) return { score: 0, cause: 'none', expected: NaN };
    const { timestampMs: timestamp, afterGap } = this.clock.read(timestampMs);
    if (afterGap) this.forgetRecent();
    if (this.clock.typicalMs > 0) this.forecaster.enableSeasonality(this.clock.typicalMs);
    this.n++;
    // The first residuals, before the forecaster has a scale, would teach the calibrators a tail
    // that no later point has.
    const learn = this.n > this.minPoints;

    const forecast = this.forecaster.update(timestamp, value);
    if (!this.forecaster.warm) {
      this.stuck.update(value);
      return { score: 0, cause: 'none', expected: forecast.expected };
    }
    if (forecast.seasonal !== this.seasonalActive) this.switchedModel(forecast.seasonal);
    const z = forecast.residual / forecast.scale;

    const flat = abs(forecast.flatZ);
    const seasonal = abs(forecast.seasonalZ);
    let best = forecast.seasonal
      ? this.seasonalDeviation.surprise(seasonal)
      : this.flatDeviation.surprise(flat);
    let cause: AnomalyCause = 'deviation';
    if (learn) this.flatDeviation.learn(flat);
    if (learn && !isNotANumber(seasonal)) this.seasonalDeviation.learn(seasonal);

    const statistics: Record<CalibratedTest, number> = {
      context: this.context.update(z),
      variance: this.variance.update(z),
      trend: this.trend.update(z),
      run: this.run.update(z),
    };
    // A confirmed shift is absorbed: the run that confirmed it is no longer news.
    if (forecast.shifted) this.run.forgetRecent();
    for (const test of CALIBRATED_TESTS) {
      if (this.disabled.has(test)) continue;
      const calibrator = this.calibrators[test];
      let surprise = calibrator.surprise(statistics[test]);
      if (test === 'context') surprise *= this.contextWeight();
      if (learn) calibrator.learn(statistics[test]);
      if (surprise > best) [best, cause] = [surprise, test];
    }
    best -= log10(TESTS_AT_ONCE);

    const stuck = this.disabled.has('stuck') ? 0 : this.stuck.update(value);
    if (stuck > best) [best, cause] = [stuck, 'stuck'];
    // Two views at once (the point's evidence and the window's): a factor of two.
    const windowed = this.evidence.update(max(0, best), learn) - log10(2);
    if (windowed > best && !this.disabled.has('evidence')) [best, cause] = [windowed, 'evidence'];

    const typical = this.clock.typicalMs;
    if (this.referenceIntervalMs > 0 && typical > 0 && typical < this.referenceIntervalMs) {
      best -= log10(this.referenceIntervalMs / typical);
    }
    const ramp = min(1, max(0, (this.n - this.minPoints) / this.warmupPoints));
    const score = min(1, max(0, (ramp * best) / this.saturation));
    return { score, cause: score > 0 ? cause : 'none', expected: forecast.expected };
  }

  /**
   * The context model speaks in proportion to how much its contexts have been predicting: not at
   * all below 0.05 bits per point of information gain (white residuals, where its novelty is
   * noise about noise and, in the suite, only added false alarms), fully from 0.2 bits (a rhythm).
   */
  private contextWeight(): number {
    return min(1, max(0, (this.context.informationGain - 0.05) / 0.15));
  }

  /** The residuals downstream change character: their statistics relearn fast from here. */
  private switchedModel(seasonal: boolean): void {
    this.seasonalActive = seasonal;
    for (const test of CALIBRATED_TESTS) this.calibrators[test].restart();
    this.evidence.restart();
  }

  /** After a long gap, the last points are no context for the next ones. */
  private forgetRecent(): void {
    this.forecaster.forgetRecent();
    this.context.forgetRecent();
    this.variance.forgetRecent();
    this.trend.forgetRecent();
    this.run.forgetRecent();
    this.stuck.forgetRecent();
    this.evidence.forgetRecent();
  }
}

/**
 * The platform's detector with documented defaults (see ContextualDetectorOptions): one per
 * series, fed in time order.
 */
export function createAnomalyDetector(options: ContextualDetectorOptions = {}): ContextualDetector {
  return new ContextualDetector(options);
}
