import type { TaskRow } from '../ops/dlq-command';
import { runCli, type CliIo, type Service } from './program';

class FakeApiError extends Error {}

/** The CLI with its services answered in memory: each request recorded, each answer given. */
function cli(answers: Record<string, unknown> = {}) {
  const requests: Array<{ service: Service; method: string; path: string; body?: unknown }> = [];
  const out: string[] = [];
  const err: string[] = [];
  const scripts: Array<{ name: string; options: Record<string, string | undefined> }> = [];
  const io: CliIo = {
    client: (service) => async (method, path, body) => {
      requests.push({ service, method, path, ...(body !== undefined && { body }) });
      const answer = answers[`${method} ${path}`];
      if (answer instanceof Error) throw answer;
      return (answer ?? {}) as never;
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    follow: async (_call, id) =>
      ({ _id: id, state: 'completed', replayed: 3, total: 3 }) as TaskRow,
    produce: async (options) => void scripts.push({ name: 'produce', options }),
    train: async (options) => void scripts.push({ name: 'train', options }),
  };
  return {
    requests,
    out,
    err,
    scripts,
    run: (...argv: string[]) => runCli(argv, io, (e) => e instanceof FakeApiError),
  };
}

describe('./keelson operator commands', () => {
  it('lists nodes by default and maps routing actions to their audited requests', async () => {
    const c = cli({
      'GET /v1/nodes': { leader: { instance: 'r1', leading: true }, nodes: [], pools: [] },
    });
    expect(await c.run('nodes')).toBe(0);
    expect(await c.run('nodes', 'eject', 'node-a', '--reason', ' bad disk ', '--for', '10m')).toBe(
      0,
    );
    expect(await c.run('nodes', 'drain', 'node-b', '--reason', 'kernel upgrade')).toBe(0);
    expect(c.requests).toEqual([
      { service: 'recovery', method: 'GET', path: '/v1/nodes' },
      {
        service: 'recovery',
        method: 'POST',
        path: '/v1/nodes/node-a/eject',
        body: { reason: 'bad disk', durationMs: 600_000 },
      },
      {
        service: 'recovery',
        method: 'POST',
        path: '/v1/nodes/node-b/drain',
        body: { reason: 'kernel upgrade' },
      },
    ]);
    expect(c.out[0]).toContain('recovery r1 leads');
  });

  it('turns a replay command line into the API request and follows the task', async () => {
    const c = cli({ 'POST /v1/dlq/replays': { _id: 't1', total: 3 } });
    const code = await c.run(
      ...['dlq', 'replay', '--stream', 'INGEST', '--consumer', 'ingestion', '--ids', 'a, b,'],
      ...['--rate', '0', '--states', 'parked', '--reason', 'fixed the schema'],
    );
    expect(code).toBe(0);
    expect(c.requests[0].body).toEqual({
      stream: 'INGEST',
      consumer: 'ingestion',
      ids: ['a', 'b'],
      rate: 0,
      states: ['parked'],
      reason: 'fixed the schema',
    });
    expect(c.out).toEqual(['replay t1: 3 message(s)', 'replay t1: completed, 3/3']);

    const dry = cli({ 'POST /v1/dlq/replays': { count: 7 } });
    expect(await dry.run('dlq', 'replay', '--group', 'g', '--dry-run')).toBe(0);
    expect(dry.requests[0].body).toEqual({
      group: 'g',
      dryRun: true,
      reason: 'replayed from the command line',
    });
    expect(dry.out).toEqual(['7 message(s) would be replayed']);
  });

  it('knows the other dlq and keys commands', async () => {
    const task = {
      _id: 't1',
      state: 'cancelled',
      replayed: 1,
      total: 3,
      rate: 0,
      by: 'k',
      reason: 'r',
    };
    const c = cli({
      'GET /v1/dlq/groups': { groups: [] },
      'GET /v1/keys': { keys: [] },
      'POST /v1/dlq/replays/t1/cancel': task,
      'POST /v1/dlq/archive': { archived: 2 },
      'POST /v1/keys': { key: 'kls_secret', apiKey: { id: 'k2', scopes: ['ingest', 'train'] } },
    });
    for (const argv of [
      ['dlq'],
      ['dlq', 'cancel', 't1', '--reason', 'wrong group'],
      ['dlq', 'archive', '--group', 'g', '--reason', 'test data'],
      ['keys'],
      [
        'keys',
        'create',
        '--name',
        'etl',
        '--scopes',
        'ingest, train',
        '--rate',
        '500',
        '--expires-in',
        '720h',
      ],
      ['keys', 'revoke', '0123456789abcdef'],
    ])
      expect({ argv, code: await c.run(...argv) }).toEqual({ argv, code: 0 });
    expect(
      c.requests.map((r) => `${r.service} ${r.method} ${r.path} ${JSON.stringify(r.body ?? null)}`),
    ).toEqual([
      'recovery GET /v1/dlq/groups null',
      'recovery POST /v1/dlq/replays/t1/cancel {"reason":"wrong group"}',
      'recovery POST /v1/dlq/archive {"group":"g","reason":"test data"}',
      'ingestion GET /v1/keys null',
      'ingestion POST /v1/keys {"name":"etl","scopes":["ingest","train"],"ratePerSecond":500,"expiresIn":"720h"}',
      'ingestion POST /v1/keys/0123456789abcdef/revoke null',
    ]);
  });

  it('prints what the service answered as JSON with --json', async () => {
    const models = [{ model: 'credit', versions: 2, latest: 2, stages: { production: 2 } }];
    const c = cli({ 'GET /v1/models': { models } });
    expect(await c.run('models', '--json')).toBe(0);
    expect(JSON.parse(c.out[0])).toEqual(models);
    expect(c.requests[0].service).toBe('training');
    const table = cli({ 'GET /v1/models': { models } });
    await table.run('models');
    expect(table.out[0]).toMatch(/credit\s+2\s+v2\s+v2/);
  });

  it.each([
    [['nodes', 'eject', 'n'], /--reason/],
    [['nodes', 'eject'], /missing required argument 'node'/],
    [['nodes', 'admit', 'n', '--reason', 'x', '--for', '5m'], /unknown option '--for'/],
    [['nodes', 'eject', 'n', '--reason', 'x', '--for', 'soon'], /--for must be a duration/],
    [['nodes', 'reboot', 'n'], /unknown nodes command 'reboot'/],
    [['dlq', 'replay'], /needs --group/],
    [['dlq', 'replay', '--group', 'g', '--rate', '1.5'], /--rate must be an integer/],
    [['dlq', 'show'], /missing required argument 'id'/],
    [['dlq', 'archive', '--group', 'g'], /--reason/],
    [['keys', 'create', '--name', 'x'], /required option '--scopes <a,b>' not specified/],
    [
      ['keys', 'create', '--name', 'x', '--scopes', 'ingest', '--rate', 'fast'],
      /--rate must be an integer/,
    ],
    [['produce', '--file', 'x.csv'], /required option '--dataset <name>'/],
  ])('refuses %j with exit code 2 and says why', async (argv, message) => {
    const c = cli();
    expect(await c.run(...argv)).toBe(2);
    expect(c.err.join('')).toMatch(message);
    expect(c.requests).toEqual([]);
  });

  it('exits 1 when the service refuses, with its reason', async () => {
    const c = cli({ 'POST /v1/nodes/n/admit': new FakeApiError('404: no such node') });
    expect(await c.run('nodes', 'admit', 'n', '--reason', 'healed')).toBe(1);
    expect(c.err).toEqual(['404: no such node']);
  });

  it('has help for every command, exit code 0', async () => {
    for (const argv of [
      ['--help'],
      ['nodes', '--help'],
      ['dlq', 'replay', '--help'],
      ['train', '--help'],
    ]) {
      const c = cli();
      expect(await c.run(...argv)).toBe(0);
      expect(c.out.join('')).toMatch(/^Usage: keelson/);
    }
  });

  it('hands produce and train their options', async () => {
    const c = cli();
    expect(
      await c.run('produce', '--file', 'credit.csv', '--dataset', 'credit', '--via', 'nats'),
    ).toBe(0);
    expect(
      await c.run('train', '--dataset', 'credit', '--model', 'credit', '--algorithm', 'logistic'),
    ).toBe(0);
    expect(c.scripts).toEqual([
      expect.objectContaining({
        name: 'produce',
        options: expect.objectContaining({
          file: 'credit.csv',
          dataset: 'credit',
          via: 'nats',
          batch: '500',
        }),
      }),
      expect.objectContaining({
        name: 'train',
        options: expect.objectContaining({
          dataset: 'credit',
          model: 'credit',
          algorithm: 'logistic',
        }),
      }),
    ]);
  });
});
