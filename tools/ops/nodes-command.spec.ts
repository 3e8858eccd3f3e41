import { formatNodes } from './nodes-command';

describe('the routing table', () => {
  it('shows state, weight, age, ejections and why, then the pools and the leader', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const text = formatNodes(
      {
        leader: { instance: 'recovery-1', leading: true },
        nodes: [
          {
            nodeId: 'node-b',
            registered: true,
            models: ['credit'],
            state: 'ejected',
            weight: 0,
            reason: 'server errors 21%',
            since: '2026-12-01T11:59:30Z',
            until: '2026-12-01T12:00:15Z',
            ejections: 2,
          },
          {
            nodeId: 'node-a',
            registered: true,
            models: ['credit'],
            state: 'probation',
            weight: 0.35,
            reason: 'probes passed',
            since: '2026-12-01T11:50:00Z',
            ejections: 1,
          },
        ],
        pools: [{ model: 'credit', size: 2, ejected: ['node-b'], degraded: true }],
      },
      now,
    );
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^node-a\s+probation\s+0\.35\s+10m\s+1\s+probes passed$/);
    expect(lines[2]).toMatch(
      /^node-b\s+ejected\s+0\.00\s+30s\s+2\s+server errors 21%; until 12:00:15$/,
    );
    expect(text).toContain('pool credit: 2 node(s), 1 ejected - DEGRADED');
    expect(text).toContain('recovery recovery-1 leads');
  });
});
