import { NodeAttempts } from './node-attempts';

describe('NodeAttempts', () => {
  it('counts a slow loss as a timeout, so a hung node hidden by hedges still shows as one', () => {
    const attempts = new NodeAttempts(1_000);
    attempts.record('ok', 4, 0);
    attempts.record('timeout', 3_000, 0);
    attempts.record('slow_loss', 80, 0);
    attempts.record('node_failure', 1, 0);
    expect(attempts.figures(0).attempts).toEqual({ ok: 1, nodeFailures: 3, timeouts: 2, other: 0 });
  });
});
