import type { ModelPointersValue, NodeRegistration, RoutingValue } from '@keelson/schemas';
import { dlqView, modelRows, poolRows, type HealthFacts } from './console-view';
import { passOn } from './recovery-client';

const registration = (nodeId: string, models = [{ name: 'credit', version: 2, ready: true }]) =>
  [
    nodeId,
    {
      nodeId,
      addresses: { http: `http://${nodeId}:8101`, grpc: `${nodeId}:8201` },
      models,
      startedAt: '2026-01-01T00:00:00.000Z',
      heartbeatAt: '2026-01-01T00:01:00.000Z',
    },
  ] as [string, NodeRegistration];
const verdict = (nodeId: string, state = 'healthy', reasons: string[] = []): HealthFacts => ({
  nodeId,
  state,
  score: state === 'healthy' ? 1 : 0.2,
  reasons,
  since: '2026-01-01T00:00:30.000Z',
  figures: { callsPerSecond: 12.5 },
});
const route = (state: RoutingValue['state'], weight: number): RoutingValue => ({
  state,
  weight,
  reason: `${state} by test`,
  since: '2026-01-01T00:00:40.000Z',
  ejections: state === 'ejected' ? 1 : 0,
});

describe('poolRows', () => {
  it('merges registration, routing and health, a node without a routing entry being active at full weight', () => {
    const [row] = poolRows(new Map([registration('n1')]), new Map(), [verdict('n1')]);
    expect(row).toMatchObject({
      nodeId: 'n1',
      address: 'http://n1:8101',
      models: ['credit@2'],
      health: { state: 'healthy', score: 1 },
      routing: { state: 'active', weight: 1, ejections: 0 },
      callsPerSecond: 12.5,
      status: 'ok',
    });
  });

  it('puts nodes out of rotation first, then the doubtful, then the rest by id', () => {
    const rows = poolRows(
      new Map([registration('a'), registration('b'), registration('c'), registration('d')]),
      new Map([
        ['c', route('ejected', 0)],
        ['d', route('probation', 0.1)],
      ]),
      [
        verdict('a'),
        verdict('b', 'suspect', ['slow']),
        verdict('c', 'unhealthy', ['missed-heartbeats']),
      ],
    );
    expect(rows.map((r) => [r.nodeId, r.status])).toEqual([
      ['c', 'out'],
      ['b', 'warning'],
      ['d', 'warning'],
      ['a', 'ok'],
    ]);
    // d has sent no heartbeat monitoring heard yet: unknown, not healthy.
    expect(rows[2].health).toEqual({ state: 'unknown', score: null, reasons: [], since: null });
    expect(rows[0].routing).toMatchObject({
      state: 'ejected',
      weight: 0,
      reason: 'ejected by test',
    });
  });

  it('shows a scored node with no registration, and no row for a routing entry alone', () => {
    const rows = poolRows(new Map(), new Map([['gone', route('ejected', 0)]]), [verdict('x')]);
    expect(rows.map((r) => [r.nodeId, r.address, r.models])).toEqual([['x', null, []]]);
  });

  it('marks a version still loading', () => {
    const [row] = poolRows(
      new Map([registration('n1', [{ name: 'credit', version: 3, ready: false }])]),
      new Map(),
      [],
    );
    expect(row.models).toEqual(['credit@3 (loading)']);
  });
});

describe('modelRows', () => {
  const pointers = (p: Partial<ModelPointersValue>): ModelPointersValue => ({
    history: [],
    artifacts: {},
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...p,
  });

  it('splits traffic between production and canary and counts the nodes serving each', () => {
    const rows = modelRows(
      new Map([['credit', pointers({ production: 2, canary: 3, canaryWeight: 0.1 })]]),
      new Map([
        registration('n1', [{ name: 'credit', version: 2, ready: true }]),
        registration('n2', [
          { name: 'credit', version: 2, ready: true },
          { name: 'credit', version: 3, ready: true },
        ]),
      ]),
      () => [
        {
          version: 3,
          latest: {
            verdict: 'warning',
            judgedAt: '2026-01-01T00:02:00.000Z',
            drifted: [{ feature: 'income', psi: 0.14 }],
            score: { level: 'warning', psi: 0.2 },
          },
        },
      ],
    );
    expect(rows).toEqual([
      {
        model: 'credit',
        updatedAt: '2026-01-01T00:00:00.000Z',
        versions: [
          { version: 2, role: 'production', share: 0.9, nodes: 2, drift: null },
          {
            version: 3,
            role: 'canary',
            share: 0.1,
            nodes: 1,
            drift: {
              verdict: 'warning',
              judgedAt: '2026-01-01T00:02:00.000Z',
              features: ['income'],
              maxPsi: 0.2,
            },
          },
        ],
      },
    ]);
  });

  it('gives production all traffic when a canary weight is left over without a canary', () => {
    const [row] = modelRows(
      new Map([['m', pointers({ production: 1, canaryWeight: 0.5 })]]),
      new Map(),
      () => undefined,
    );
    expect(row.versions).toEqual([
      { version: 1, role: 'production', share: 1, nodes: 0, drift: null },
    ]);
  });
});

describe('dlqView', () => {
  const group = (
    id: string,
    counts: Record<string, number>,
    lastSeen: string,
    traces?: string[],
  ) => ({
    _id: id,
    stream: 'INGEST',
    consumer: 'ingestion',
    pattern: 'write refused <n>',
    failure: 'exhausted',
    count: Object.values(counts).reduce((a, b) => a + b, 0),
    counts,
    lastSeen,
    replay: { status: 'idle' },
    ...(traces && { traces }),
  });

  it('counts what a replay would send, links the running task and the latest traces', () => {
    const view = dlqView(
      [
        group('old', { pending: 2, resolved: 5 }, '2026-01-01T00:00:00.000Z'),
        group('new', { pending: 1, parked: 2, replayed: 4 }, '2026-01-02T00:00:00.000Z', [
          '1'.padStart(32, 'a'),
          '<script>',
          '2'.padStart(32, 'a'),
        ]),
      ],
      [
        {
          _id: 't1',
          state: 'running',
          auto: false,
          total: 4,
          replayed: 1,
          reason: 'fixed',
          selection: { groupId: 'old' },
          createdAt: '2026-01-02T00:00:00.000Z',
        },
      ],
    );
    expect(view.groups.map((g) => [g.id, g.replayable, g.runningTask, g.traces.length])).toEqual([
      ['new', 3, null, 2],
      ['old', 2, 't1', 0],
    ]);
    expect(view.groups[0].traces[0]).toBe('1'.padStart(32, 'a'));
    expect(view.tasks).toEqual([
      expect.objectContaining({ id: 't1', target: 'old', progress: 0.25, finishedAt: null }),
    ]);
  });

  it('shows an empty completed task as done', () => {
    const { tasks } = dlqView(
      [],
      [
        {
          _id: 't',
          state: 'completed',
          auto: true,
          total: 0,
          replayed: 0,
          reason: 'auto',
          selection: { stream: 'INGEST' },
          createdAt: '2026-01-01T00:00:00.000Z',
          finishedAt: '2026-01-01T00:00:01.000Z',
        },
      ],
    );
    expect(tasks[0]).toMatchObject({ target: 'INGEST', progress: 1 });
  });
});

describe("passOn: recovery's answers as the console gives them", () => {
  it("passes on successes and the caller's own errors, with Retry-After", () => {
    expect(passOn(202, '{"_id":"t"}')).toEqual({ status: 202, body: { _id: 't' } });
    expect(passOn(403, '{"error":"scope"}')).toEqual({ status: 403, body: { error: 'scope' } });
    expect(passOn(429, '{"error":"slow down"}', '3')).toMatchObject({
      status: 429,
      retryAfter: '3',
    });
  });

  it('turns its 503 into a 503 and any other failure, or a body that is not JSON, into a 502', () => {
    expect(passOn(503, '{"error":"db"}')).toMatchObject({ status: 503, retryAfter: '2' });
    expect(passOn(500, '{"error":"bug"}').status).toBe(502);
    expect(passOn(200, '<html>proxy page</html>').status).toBe(502);
    expect(passOn(405, '{"error":"method"}').status).toBe(502);
  });
});
