/**
 * Multiwindow, multi-burn-rate alert rules (Google SRE workbook, "Alerting on SLOs", approach 6).
 * A rule fires when the error budget burns at least `burnRate` times the sustainable rate over BOTH
 * windows: the long window says enough budget is gone to matter, the short one says it is still
 * going, so the alert clears within about a short window of the errors stopping.
 */
export type SloSeverity = 'page' | 'ticket';

export interface BurnRateRule {
  readonly severity: SloSeverity;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
  /** Error ratio ÷ (1 − objective) at or above which both windows must be. */
  readonly burnRate: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The workbook's recommended set. Against a 30-day budget: 14.4x for an hour spends 2% of it, 6x
 * for six hours 5%, 1x for three days 10%. The short windows are a twelfth of the long ones.
 */
export const DEFAULT_BURN_RATE_RULES: readonly BurnRateRule[] = [
  { severity: 'page', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, burnRate: 14.4 },
  { severity: 'page', longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE, burnRate: 6 },
  { severity: 'ticket', longWindowMs: 3 * DAY, shortWindowMs: 6 * HOUR, burnRate: 1 },
];

const SEVERITY_RANK: Record<SloSeverity, number> = { ticket: 1, page: 2 };

/** The more urgent of the severities given, or undefined for none. */
export function highestSloSeverity(severities: readonly SloSeverity[]): SloSeverity | undefined {
  let highest: SloSeverity | undefined;
  for (const severity of severities) {
    if (highest === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[highest]) {
      highest = severity;
    }
  }
  return highest;
}

/** Reasons a rule set cannot be evaluated, each naming the rule; empty when it can. */
export function burnRateRuleErrors(rules: readonly BurnRateRule[]): string[] {
  if (rules.length === 0) return ['rules: at least one rule is needed'];
  const errors: string[] = [];
  rules.forEach((rule, i) => {
    const name = `rules[${i}]`;
    if (!(rule.severity in SEVERITY_RANK)) {
      errors.push(`${name}.severity: must be "page" or "ticket", got ${String(rule.severity)}`);
    }
    for (const key of ['longWindowMs', 'shortWindowMs', 'burnRate'] as const) {
      if (!(rule[key] > 0 && Number.isFinite(rule[key]))) {
        errors.push(`${name}.${key}: must be a finite number > 0, got ${rule[key]}`);
      }
    }
    if (rule.shortWindowMs >= rule.longWindowMs) {
      errors.push(`${name}.shortWindowMs: must be shorter than longWindowMs`);
    }
  });
  return errors;
}
