import type { RoutingValue } from '@keelson/schemas';
import {
  DEFAULT_HEALING_SETTINGS as S,
  ejectionMs,
  planRouting,
  slowStartWeight,
  type NodeFacts,
} from './routing-planner';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const node = (nodeId: string, extra: Partial<NodeFacts> = {}): NodeFacts => ({
  nodeId,
  registered: true,
  models: ['credit'],
  ...extra,
});
const alert = (alertId = 'a1') => ({ alertId, reasons: ['server-errors'] });
const routing = (
  state: RoutingValue['state'],
  extra: Partial<RoutingValue> = {},
): RoutingValue => ({
  state,
  weight: state === 'active' ? 1 : 0,
  reason: 'test',
  since: at(0),
  ejections: 0,
  ...extra,
});

describe('planRouting: the node state machine', () => {
  it('ejects a node a new alert is about, once per alert, for base x count', () => {
    const { actions } = planRouting([node('a', { alert: alert() }), node('b'), node('c')], T0);
    expect(actions).toEqual([
      expect.objectContaining({
        kind: 'write',
        nodeId: 'a',
        value: expect.objectContaining({
          state: 'ejected',
          weight: 0,
          ejections: 1,
          alertId: 'a1',
          until: at(S.baseEjectionMs),
        }),
      }),
    ]);
    const ejected = (actions[0] as { value: RoutingValue }).value;
    // The same alert, still firing, is not acted on again (the node may be on probation by then).
    const again = planRouting(
      [node('a', { alert: alert(), routing: { ...ejected, state: 'probation', weight: 0.1 } })],
      T0 + 1_000,
    );
    expect(again.actions.filter((a) => a.kind === 'write')).toEqual([]);
  });

  it('never ejects more than half of a pool: it holds the node and calls the pool degraded', () => {
    const { actions, pools } = planRouting(
      [node('a', { alert: alert('x') }), node('b', { alert: alert('y') }), node('c')],
      T0,
    );
    expect(actions.map((a) => `${a.kind}:${a.nodeId}`)).toEqual(['write:a', 'hold:b']);
    expect(pools).toEqual([
      { model: 'credit', size: 3, ejected: ['a'], unhealthy: ['a', 'b'], degraded: true },
    ]);
    expect((actions[1] as { why: string }).why).toContain('2 of 3 nodes of credit');
  });

  it('probes an ejected node when its time is up, then moves it to probation or ejects it longer', () => {
    const ejected = routing('ejected', { ejections: 1, until: at(15_000), alertId: 'a1' });
    expect(planRouting([node('a', { routing: ejected })], T0 + 10_000).actions).toEqual([]);
    expect(planRouting([node('a', { routing: ejected })], T0 + 15_000).actions).toEqual([
      { kind: 'probe', nodeId: 'a' },
    ]);
    const passed = planRouting(
      [node('a', { routing: ejected, probe: { ok: true, at: T0 + 15_100, detail: 'ok' } })],
      T0 + 15_200,
    ).actions[0] as { value: RoutingValue };
    expect(passed.value).toMatchObject({ state: 'probation', weight: S.minWeight, alertId: 'a1' });
    expect(passed.value.until).toBeUndefined();
    const failedOnce = (failures: number, now: number) =>
      planRouting(
        [
          node('a', {
            routing: ejected,
            probe: { ok: false, at: T0 + 15_100, detail: 'HTTP 500', failures },
          }),
        ],
        now,
      ).actions;
    // One failure is probed again after probeEveryMs, not judged.
    expect(failedOnce(1, T0 + 15_200)).toEqual([]);
    expect(failedOnce(1, T0 + 15_100 + S.probeEveryMs)).toEqual([{ kind: 'probe', nodeId: 'a' }]);
    expect(failedOnce(S.failedProbesToEject - 1, T0 + 15_100 + S.probeEveryMs)).toEqual([
      { kind: 'probe', nodeId: 'a' },
    ]);
    const [failed] = failedOnce(S.failedProbesToEject, T0 + 15_200) as Array<{
      value: RoutingValue;
      why: string;
    }>;
    expect(failed.value).toMatchObject({ state: 'ejected', ejections: 2 });
    expect(failed.why).toContain(`${S.failedProbesToEject} probes failed in a row`);
    expect(Date.parse(failed.value.until!) - (T0 + 15_200)).toBe(2 * S.baseEjectionMs);
  });

  it('sends a node on probation back only after probes fail in a row', () => {
    const probation = routing('probation', { weight: 0.2, ejections: 1, since: at(0) });
    const probed = (failures: number) =>
      planRouting(
        [
          node('a', {
            routing: probation,
            probe: { ok: false, at: T0 + 4_000, detail: 'timeout', failures },
          }),
        ],
        T0 + 4_100,
      ).actions.filter((a) => a.kind === 'write' && a.value.state === 'ejected');
    expect(probed(S.failedProbesToEject - 1)).toEqual([]);
    expect(probed(S.failedProbesToEject)).toEqual([
      expect.objectContaining({
        value: expect.objectContaining({ state: 'ejected', ejections: 2 }),
      }),
    ]);
  });

  it('ramps a node on probation up, and makes it active after a clean window', () => {
    const probation = routing('probation', { weight: 0.1, ejections: 1, since: at(0) });
    const mid = planRouting(
      [node('a', { routing: probation, probe: { ok: true, at: T0 + 9_500, detail: 'ok' } })],
      T0 + 10_000,
    ).actions;
    expect(mid).toEqual([
      expect.objectContaining({ kind: 'write', value: expect.objectContaining({ weight: 0.5 }) }),
    ]);
    const done = planRouting([node('a', { routing: probation })], T0 + S.slowStartMs).actions;
    expect(done).toEqual([
      expect.objectContaining({ value: expect.objectContaining({ state: 'active', weight: 1 }) }),
    ]);
  });

  it('sends a node back, for longer, when its callers see failures during probation', () => {
    const probation = routing('probation', { weight: 0.2, ejections: 2 });
    const [action] = planRouting(
      [node('a', { routing: probation, callers: { attempts: 40, failures: 8 } })],
      T0 + 5_000,
    ).actions as Array<{ value: RoutingValue; why: string }>;
    expect(action.value).toMatchObject({ state: 'ejected', ejections: 3 });
    expect(action.why).toContain('8 of 40');
  });

  it("leaves operators' entries and drained nodes alone", () => {
    const manual = routing('ejected', { manual: true, until: at(0) });
    const drained = routing('drained');
    const { actions } = planRouting(
      [
        node('a', { routing: manual, alert: alert() }),
        node('b', { routing: drained, alert: alert('z') }),
      ],
      T0 + 60_000,
    );
    expect(actions).toEqual([]);
  });

  it('forgives ejections after a long healthy spell', () => {
    const [action] = planRouting(
      [node('a', { routing: routing('active', { ejections: 3, since: at(0) }) })],
      T0 + S.forgiveAfterMs,
    ).actions as Array<{ value: RoutingValue }>;
    expect(action.value).toMatchObject({ state: 'active', ejections: 0 });
  });

  it('grows ejections as Envoy does and ramps linearly', () => {
    expect([1, 2, 3, 100].map((n) => ejectionMs(n, S))).toEqual([15_000, 30_000, 45_000, 300_000]);
    expect(slowStartWeight(0, S)).toBe(S.minWeight);
    expect(slowStartWeight(S.slowStartMs / 2, S)).toBe(0.5);
    expect(slowStartWeight(S.slowStartMs * 2, S)).toBe(1);
  });
});
