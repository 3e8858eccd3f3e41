import { DEFAULT_BURN_RATE_RULES } from './burn-rate-rules';
import { SloEvaluator, type SloEvaluation } from './slo-evaluator';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** An hour runs in 3.6 s of timestamps; the arithmetic is the same as in real time. */
const SCALE = 0.001;
const STEP_MS = 30_000;
const REQUESTS_PER_STEP = 10_000;
const [FAST_PAGE, SLOW_PAGE, TICKET] = [0, 1, 2];

/**
 * Drives an evaluator through steady traffic, one 30 s step of nominal time at a time, and keeps
 * the evaluation after each step. Time is kept in nominal ms and scaled only at the edge.
 */
class Traffic {
  private nominalMs = 0;
  readonly slo: SloEvaluator;

  constructor(
    private readonly scale = SCALE,
    objective = 0.999,
  ) {
    this.slo = new SloEvaluator({ objective, windowScale: scale });
  }

  get elapsedMs(): number {
    return this.nominalMs;
  }

  /** `errorRatio` of the requests fail for `durationMs`; returns the evaluation after each step. */
  run(durationMs: number, errorRatio: number, evaluate = true): SloEvaluation[] {
    const evaluations: SloEvaluation[] = [];
    for (const end = this.nominalMs + durationMs; this.nominalMs < end;) {
      this.nominalMs += STEP_MS;
      const at = this.nominalMs * this.scale;
      const bad = Math.round(errorRatio * REQUESTS_PER_STEP);
      this.slo.add(at, REQUESTS_PER_STEP - bad, REQUESTS_PER_STEP);
      if (evaluate) evaluations.push(this.slo.evaluate(at));
    }
    return evaluations;
  }

  /** A full longest window of healthy traffic first, as a long-running service would have. */
  static withHistory(scale = SCALE): Traffic {
    const traffic = new Traffic(scale);
    traffic.run(3 * DAY, 0, false);
    return traffic;
  }
}

/** Nominal time from the start of a run to the first evaluation where `fires` holds. */
function firstTime(
  evaluations: readonly SloEvaluation[],
  fires: (e: SloEvaluation) => boolean,
): number | undefined {
  const index = evaluations.findIndex(fires);
  return index < 0 ? undefined : (index + 1) * STEP_MS;
}

const ruleFires = (rule: number) => (e: SloEvaluation) => e.rules[rule].firing;
const firingRules = (e: SloEvaluation) => e.rules.flatMap((r, i) => (r.firing ? [i] : []));

describe('SloEvaluator, on the SRE workbook examples (99.9% objective)', () => {
  it('pages on a full outage within about a minute: 1.44% of an hour is 52 s', () => {
    const evaluations = Traffic.withHistory().run(10 * MINUTE, 1);
    const pagedAfter = firstTime(evaluations, ruleFires(FAST_PAGE));

    expect(pagedAfter).toBeGreaterThanOrEqual(30_000);
    expect(pagedAfter).toBeLessThanOrEqual(90_000);
    expect(evaluations[(pagedAfter as number) / STEP_MS - 1].severity).toBe('page');
  });

  it('pages on a 2% error rate (20x) once the hour has burnt 14.4x: after about 43 minutes', () => {
    const evaluations = Traffic.withHistory().run(50 * MINUTE, 0.02);
    const pagedAfter = firstTime(evaluations, ruleFires(FAST_PAGE)) as number;

    expect(pagedAfter).toBeGreaterThan(40 * MINUTE);
    expect(pagedAfter).toBeLessThanOrEqual(46 * MINUTE);
    const evidence = evaluations[pagedAfter / STEP_MS - 1].rules[FAST_PAGE];
    expect(evidence.short.burnRate).toBeCloseTo(20, 6);
    expect(evidence.long.burnRate).toBeGreaterThanOrEqual(14.4);
    expect(evidence.long.windowMs).toBe(HOUR * SCALE);
    expect(evidence.short.windowMs).toBe(5 * MINUTE * SCALE);
  });

  it('on a 0.7% error rate (7x) fires only the 6x page, after about 5.1 hours', () => {
    const evaluations = Traffic.withHistory().run(10 * HOUR, 0.007);
    const firstFiring = firstTime(evaluations, (e) => e.firing.length > 0) as number;

    expect(firstFiring).toBeGreaterThan(5 * HOUR);
    expect(firstFiring).toBeLessThanOrEqual(5.25 * HOUR);
    expect(evaluations.every((e) => !e.rules[FAST_PAGE].firing)).toBe(true);
    expect(evaluations.every((e) => !e.rules[TICKET].firing)).toBe(true);
    expect(firingRules(evaluations.at(-1) as SloEvaluation)).toEqual([SLOW_PAGE]);
  });

  it('on a 0.15% error rate (1.5x) files only a ticket, after two days', () => {
    const evaluations = Traffic.withHistory().run(49 * HOUR, 0.0015);
    const firstFiring = firstTime(evaluations, (e) => e.firing.length > 0) as number;

    expect(firstFiring).toBeGreaterThan(47 * HOUR);
    expect(firstFiring).toBeLessThanOrEqual(48.5 * HOUR);
    const last = evaluations.at(-1) as SloEvaluation;
    expect(firingRules(last)).toEqual([TICKET]);
    expect(last.severity).toBe('ticket');
  });

  it('clears the page within a short window of the errors stopping, while the hour still burns', () => {
    const traffic = Traffic.withHistory();
    expect(traffic.run(10 * MINUTE, 1).at(-1)?.rules[FAST_PAGE].firing).toBe(true);
    const recovery = traffic.run(30 * MINUTE, 0);
    const clearedAfter = firstTime(recovery, (e) => !e.rules[FAST_PAGE].firing) as number;

    expect(clearedAfter).toBeLessThanOrEqual(5 * MINUTE + STEP_MS);
    const atClear = recovery[clearedAfter / STEP_MS - 1].rules[FAST_PAGE];
    expect(atClear.long.burnRate).toBeGreaterThan(100);
    expect(atClear.short.burnRate).toBe(0);
  });
});

describe('SloEvaluator', () => {
  it('times alerts the same at any scale, in nominal time', () => {
    const pagedAfter = (scale: number) => {
      const traffic = new Traffic(scale);
      traffic.run(2 * HOUR, 0, false);
      return firstTime(traffic.run(10 * MINUTE, 0.5), ruleFires(FAST_PAGE));
    };

    expect(pagedAfter(1)).toBe(pagedAfter(SCALE));
    expect(new SloEvaluator({ objective: 0.999 }).bucketMs).toBe(30_000);
    expect(new SloEvaluator({ objective: 0.999, windowScale: SCALE }).bucketMs).toBe(30);
  });

  it('keeps a fixed ring: 3 days of 30 s buckets, however long it runs', () => {
    const traffic = new Traffic(SCALE);
    const before = traffic.slo.memoryBytes;
    traffic.run(10 * DAY, 0.001, false);

    expect(traffic.slo.bucketCount).toBe(8641);
    expect(traffic.slo.memoryBytes).toBe(before);
  });

  it('does not alert without traffic, and spends no budget', () => {
    const evaluation = new SloEvaluator({ objective: 0.999 }).evaluate(Date.now());

    expect(evaluation.firing).toEqual([]);
    expect(evaluation.severity).toBeUndefined();
    expect(evaluation.windows.every((w) => w.burnRate === undefined)).toBe(true);
    expect(evaluation.budget).toMatchObject({ consumed: 0, remaining: 1 });
  });

  it('reports the budget over the longest window', () => {
    const traffic = new Traffic(SCALE);
    traffic.run(3 * DAY, 0.0005, false);
    const { budget } = traffic.slo.evaluate(traffic.elapsedMs * SCALE);

    expect(budget.periodMs).toBe(3 * DAY * SCALE);
    expect(budget.consumed).toBeCloseTo(0.5, 6);
    expect(budget.remaining).toBeCloseTo(0.5, 6);
  });

  it('lists each distinct window once, shortest first', () => {
    const evaluation = new SloEvaluator({ objective: 0.99, windowScale: SCALE }).evaluate(0);

    expect(evaluation.windows.map((w) => w.windowMs / SCALE)).toEqual([
      5 * MINUTE,
      30 * MINUTE,
      HOUR,
      6 * HOUR,
      3 * DAY,
    ]);
  });

  it('clamps at extreme scales: 1 ms buckets, and a window shorter than that reads one bucket', () => {
    const slo = new SloEvaluator({ objective: 0.999, windowScale: 1e-6 });
    for (let t = 0; t <= 300; t++) slo.add(t, t > 250 ? 0 : 100, 100);
    const evaluation = slo.evaluate(300);

    expect(slo.bucketMs).toBe(1);
    expect(evaluation.windows[0]).toMatchObject({ windowMs: 5 * MINUTE * 1e-6, coveredMs: 1 });
    expect(evaluation.rules[FAST_PAGE].firing).toBe(true);
  });

  it('caps the ring by widening buckets when windows are far apart', () => {
    const slo = new SloEvaluator({
      objective: 0.999,
      rules: [{ severity: 'ticket', longWindowMs: 30 * DAY, shortWindowMs: MINUTE, burnRate: 1 }],
    });

    expect(slo.bucketCount).toBeLessThanOrEqual(20_001);
    expect(slo.bucketMs).toBeGreaterThan(MINUTE / 10);
  });

  it('holds low-traffic windows back until they have enough events', () => {
    const slo = new SloEvaluator({ objective: 0.999, minEventsPerWindow: 100 });
    slo.add(1000, 0, 1);

    expect(slo.evaluate(1000).firing).toEqual([]);
    expect(new SloEvaluator({ objective: 0.999 }).add(1000, 0, 1)).toBe('counted');
  });

  it('rejects an objective of 1, which leaves no budget, and others outside (0, 1)', () => {
    expect(() => new SloEvaluator({ objective: 1 })).toThrow(/objective must be in \(0, 1\)/);
    expect(() => new SloEvaluator({ objective: 0 })).toThrow(/objective/);
    expect(() => new SloEvaluator({ objective: 99.9 })).toThrow(/objective/);
  });

  it('rejects rules it cannot evaluate, naming the rule', () => {
    const inverted = { ...DEFAULT_BURN_RATE_RULES[0], shortWindowMs: 2 * HOUR };

    expect(() => new SloEvaluator({ objective: 0.999, rules: [inverted] })).toThrow(
      /rules\[0\]\.shortWindowMs/,
    );
    expect(() => new SloEvaluator({ objective: 0.999, rules: [] })).toThrow(/at least one rule/);
    expect(() => new SloEvaluator({ objective: 0.999, windowScale: 0 })).toThrow(/windowScale/);
  });
});
