import { RetryBudget } from './retry-budget';

describe('RetryBudget', () => {
  let now = 0;
  beforeEach(() => (now = 0));

  it('allows the floor when there is no traffic, then refuses', () => {
    const budget = new RetryBudget(
      { budgetRatio: 0.1, minPerSecond: 0.5, windowMs: 10_000 },
      () => now,
    );
    const allowed = Array.from({ length: 8 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(allowed).toBe(5);
  });

  it('allows about ratio x requests in the window', () => {
    const budget = new RetryBudget(
      { budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 },
      () => now,
    );
    for (let i = 0; i < 1_000; i++) budget.request();
    let allowed = 0;
    while (budget.tryRetry()) allowed++;
    expect(allowed).toBe(100);
  });

  it('forgets requests and retries that slid out of the window', () => {
    const budget = new RetryBudget(
      { budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 },
      () => now,
    );
    for (let i = 0; i < 100; i++) budget.request();
    while (budget.tryRetry());
    now = 10_500; // every bucket of the first second has slid out
    expect(budget.tryRetry()).toBe(false); // and with them the requests that earned retries
    for (let i = 0; i < 100; i++) budget.request();
    expect(budget.tryRetry()).toBe(true);
  });
});
