import type { Messaging } from '@keelson/messaging';
import { RoutingWatcher } from './routing-state';

const put = (value: string) => ({
  operation: 'PUT' as const,
  value: new TextEncoder().encode(value),
});

describe('RoutingWatcher', () => {
  it('follows valid entries and ignores malformed ones, never throwing', () => {
    const problems: string[] = [];
    const watcher = new RoutingWatcher({} as Messaging, 'n1', (e) => problems.push(e));
    watcher.apply(
      put(
        JSON.stringify({
          state: 'ejected',
          weight: 0,
          reason: 'server-errors',
          since: '2026-12-01T10:00:00Z',
          ejections: 1,
        }),
      ),
    );
    expect(watcher.state).toBe('ejected');
    expect(() => watcher.apply(put('{not json'))).not.toThrow();
    watcher.apply(put(JSON.stringify({ state: 'sick' })));
    expect(watcher.state).toBe('ejected'); // kept
    expect(problems).toHaveLength(2);
    watcher.apply({ operation: 'DEL', value: new Uint8Array() });
    expect(watcher.state).toBe('active');
  });
});
