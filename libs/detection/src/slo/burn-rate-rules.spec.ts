import { DEFAULT_BURN_RATE_RULES, burnRateRuleErrors, highestSloSeverity } from './burn-rate-rules';

describe('burn-rate rules', () => {
  it('default to the workbook set: 14.4x over 1 h / 5 m, 6x over 6 h / 30 m, 1x over 3 d / 6 h', () => {
    const hours = (ms: number) => ms / 3_600_000;

    expect(
      DEFAULT_BURN_RATE_RULES.map((r) => [
        r.severity,
        hours(r.longWindowMs),
        hours(r.shortWindowMs),
        r.burnRate,
      ]),
    ).toEqual([
      ['page', 1, 5 / 60, 14.4],
      ['page', 6, 0.5, 6],
      ['ticket', 72, 6, 1],
    ]);
    expect(burnRateRuleErrors(DEFAULT_BURN_RATE_RULES)).toEqual([]);
  });

  it('ranks a page above a ticket', () => {
    expect(highestSloSeverity(['ticket', 'page', 'ticket'])).toBe('page');
    expect(highestSloSeverity(['ticket'])).toBe('ticket');
    expect(highestSloSeverity([])).toBeUndefined();
  });

  it('names each rule and field it cannot use', () => {
    expect(
      burnRateRuleErrors([
        { severity: 'page', longWindowMs: 60_000, shortWindowMs: 0, burnRate: -1 },
      ]),
    ).toEqual([
      'rules[0].shortWindowMs: must be a finite number > 0, got 0',
      'rules[0].burnRate: must be a finite number > 0, got -1',
    ]);
  });
});
