import type { AlertRecord } from '@keelson/persistence';
import { AlertBook, type AlertChange, type AlertInput, type AlertStore } from './alert-book';

class MemoryStore implements AlertStore {
  readonly saved = new Map<string, AlertRecord>();
  failuresLeft = 0;
  async save(alert: AlertRecord) {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database down');
    }
    this.saved.set(alert._id, structuredClone(alert));
  }
  async firing() {
    return [...this.saved.values()].filter((a) => a.state === 'firing');
  }
}

const unhealthy = (severity: AlertInput['severity'] = 'critical'): AlertInput => ({
  kind: 'node.unhealthy',
  target: 'node-1',
  severity,
  message: 'node-1 is unhealthy',
  reasons: ['server-errors'],
  evidence: { rate: 0.2 },
});

function book(store = new MemoryStore()) {
  const told: Array<{ change: AlertChange; state: string; id: string }> = [];
  const alerts = new AlertBook(
    store,
    [{ deliver: (a, change) => told.push({ change, state: a.state, id: a._id }) }],
    () => new Date(),
    5,
  );
  return { alerts, store, told };
}

describe('AlertBook', () => {
  it('keeps one firing alert per key and tells about it once', async () => {
    const { alerts, store, told } = book();
    const first = alerts.fire(unhealthy());
    const again = alerts.fire({ ...unhealthy(), evidence: { rate: 0.3 } });
    expect(again._id).toBe(first._id);
    expect(told).toEqual([{ change: 'fired', state: 'firing', id: first._id }]);
    await alerts.flush();
    expect(store.saved.get(first._id)).toMatchObject({ state: 'firing', evidence: { rate: 0.3 } });
  });

  it('tells again when the severity changes, and once when it resolves', async () => {
    const { alerts, store, told } = book();
    const alert = alerts.fire(unhealthy('warning'));
    alerts.fire(unhealthy('critical'));
    const resolved = alerts.resolve('node.unhealthy', 'node-1', 'node-1 recovered');
    expect(alerts.resolve('node.unhealthy', 'node-1')).toBeUndefined();
    expect(told.map((t) => t.change)).toEqual(['fired', 'escalated', 'resolved']);
    expect(resolved).toMatchObject({
      _id: alert._id,
      state: 'resolved',
      message: 'node-1 recovered',
    });
    expect(resolved!.endsAt).toBeInstanceOf(Date);
    const next = alerts.fire(unhealthy());
    expect(next._id).not.toBe(alert._id); // a new episode
    await alerts.flush();
    expect(store.saved.size).toBe(2);
  });

  it('reloads firing alerts after a restart: no re-fire, and they can still resolve', async () => {
    const { alerts, store } = book();
    const alert = alerts.fire(unhealthy());
    alerts.notice({ ...unhealthy('info'), kind: 'node.recovered' });
    await alerts.flush();
    const restarted = book(store);
    expect((await restarted.alerts.load()).map((a) => a._id)).toEqual([alert._id]);
    restarted.alerts.fire(unhealthy());
    expect(restarted.told).toEqual([]);
    restarted.alerts.resolve('node.unhealthy', 'node-1');
    expect(restarted.told).toEqual([{ change: 'resolved', state: 'resolved', id: alert._id }]);
  });

  it('keeps retrying a write the database refused, and stores the latest version', async () => {
    const store = new MemoryStore();
    store.failuresLeft = 3;
    const { alerts } = book(store);
    const alert = alerts.fire(unhealthy());
    alerts.resolve('node.unhealthy', 'node-1');
    await alerts.flush();
    expect(store.saved.get(alert._id)).toMatchObject({ state: 'resolved' });
    expect(alerts.unsaved).toBe(0);
  });

  it('a notice is born resolved and does not hold the key', () => {
    const { alerts, told } = book();
    alerts.notice({ ...unhealthy('info'), kind: 'node.recovered' });
    expect(told).toEqual([expect.objectContaining({ change: 'notice', state: 'resolved' })]);
    expect(alerts.firing()).toEqual([]);
  });
});
