import { FaultInjector, parseFaults } from './fault-injector';

describe('FaultInjector', () => {
  it('does nothing until a drill sets a fault', async () => {
    const faults = new FaultInjector(() => 0);
    expect(faults.active).toBeUndefined();
    await expect(faults.apply()).resolves.toBeUndefined();
  });

  it('fails the configured share of calls with a server error', async () => {
    const draws = [0.1, 0.5, 0.19, 0.9];
    const faults = new FaultInjector(() => draws.shift()!);
    faults.set({ errorRate: 0.2 });
    const results = await Promise.all(
      draws.slice().map(() =>
        faults.apply().then(
          () => 'ok',
          (e: Error & { code: string }) => e.code,
        ),
      ),
    );
    expect(results).toEqual(['INTERNAL', 'ok', 'INTERNAL', 'ok']);
    expect(faults.active).toEqual({ latencyMs: 0, errorRate: 0.2, hang: false });
  });

  it('holds calls while hung: until the deadline, or until the hang is lifted', async () => {
    const faults = new FaultInjector();
    faults.set({ hang: true });
    await expect(faults.apply(Date.now() + 20)).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    let released = false;
    const held = faults.apply().then(() => (released = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(false);
    faults.set({ hang: false });
    await held;
    expect(released).toBe(true);
  });

  it('adds latency without blocking', async () => {
    const faults = new FaultInjector();
    faults.set({ latencyMs: 30 });
    const started = performance.now();
    await faults.apply();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    faults.clear();
    expect(faults.active).toBeUndefined();
  });
});

describe('parseFaults', () => {
  it('takes the three faults and names every bad field', () => {
    expect(parseFaults({ latencyMs: 50, errorRate: 0.2, hang: false })).toEqual({
      ok: true,
      faults: { latencyMs: 50, errorRate: 0.2, hang: false },
    });
    expect(parseFaults({ errorRate: 2, hang: 'yes', slow: true })).toEqual({
      ok: false,
      problems: [
        { field: 'errorRate', reason: 'must be a number from 0 to 1' },
        { field: 'hang', reason: 'must be true or false' },
        { field: 'slow', reason: 'unknown fault (latencyMs, errorRate, hang)' },
      ],
    });
    expect(parseFaults([1])).toMatchObject({ ok: false });
  });
});
