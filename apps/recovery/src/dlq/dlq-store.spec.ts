import { dlqGroupId, errorFingerprint } from '@keelson/healing';
import type {
  DeadLetterEntry,
  DeadLetterRepository,
  DeadLetterState,
  DlqGroup,
  DlqGroupRepository,
} from '@keelson/persistence';
import type { RecoveryAlerts } from '../alerts/recovery-alerts.service';
import type { RecoveryConfig } from '../config';
import { DlqStore } from './dlq-store.service';

/** Entries of one group in memory; a count of `holdState` waits until `release` is called, once. */
class Entries {
  readonly states = new Map<string, DeadLetterState>();
  holdState: DeadLetterState | undefined;
  release = () => {};

  async count(filter: { groupId: string; state: DeadLetterState }): Promise<number> {
    if (filter.state === this.holdState) {
      this.holdState = undefined;
      await new Promise<void>((resolve) => (this.release = resolve));
    }
    return [...this.states.values()].filter((s) => s === filter.state).length;
  }

  async insert(entry: DeadLetterEntry): Promise<boolean> {
    if (this.states.has(entry._id)) return false;
    this.states.set(entry._id, entry.state);
    return true;
  }
}

// The group a DLQ message failing with `poison <n>` belongs to.
const GROUP = dlqGroupId('ORDERS', 'worker', errorFingerprint('poison 2').fingerprint);

const group = (counts: Partial<Record<DeadLetterState, number>>): DlqGroup => ({
  _id: GROUP,
  stream: 'ORDERS',
  consumer: 'worker',
  fingerprint: 'f',
  pattern: 'poison <n>',
  example: 'poison 1',
  failure: 'exhausted',
  count: 1,
  counts: { pending: 0, replayed: 0, resolved: 0, parked: 0, archived: 0, ...counts },
  firstSeen: new Date(0),
  lastSeen: new Date(0),
  replay: { status: 'idle' },
  updatedAt: new Date(0),
});

async function storeWith(entries: Entries, stored: DlqGroup[]) {
  const saved: DlqGroup[] = [];
  const groups = {
    all: async () => stored,
    save: async (g: DlqGroup) => void saved.push(g),
  } as unknown as DlqGroupRepository;
  const config = { replay: { maxReplays: 3 } } as unknown as RecoveryConfig;
  const alerts = { ready: true, fire: () => {} } as unknown as RecoveryAlerts;
  const store = new DlqStore(entries as unknown as DeadLetterRepository, groups, alerts, config);
  await store.lead();
  return { store, saved };
}

describe('DlqStore counts', () => {
  it('a recount begun before an entry moved never writes its older counts over a later recount', async () => {
    const entries = new Entries();
    entries.states.set('e1', 'replayed');
    const { store } = await storeWith(entries, [group({ replayed: 1 })]);
    // The first recount has counted `replayed` (1) and waits on its count of `parked`...
    entries.holdState = 'parked';
    const first = store.recount(GROUP);
    await new Promise((r) => setImmediate(r));
    // ...when the entry's replay comes back and parks it, and the return recounts the group.
    entries.states.set('e1', 'parked');
    const second = store.recount(GROUP);
    await new Promise((r) => setImmediate(r));
    entries.release();
    await Promise.all([first, second]);
    const [g] = await store.listGroups();
    expect(g.counts).toEqual({ pending: 0, replayed: 0, resolved: 0, parked: 1, archived: 0 });
    expect(g.count).toBe(1);
  });

  it('an entry stored while a recount runs is counted once', async () => {
    const entries = new Entries();
    entries.states.set('e1', 'pending');
    const { store, saved } = await storeWith(entries, [group({ pending: 1 })]);
    entries.holdState = 'archived';
    const recount = store.recount(GROUP);
    await new Promise((r) => setImmediate(r));
    const intake = store.intake({
      id: 'e2',
      data: {
        stream: 'ORDERS',
        consumer: 'worker',
        originalSubject: 'orders',
        streamSequence: 2,
        reason: 'max deliveries',
        failure: 'exhausted',
        error: 'poison 2',
        headers: {},
        payloadBase64: '',
        failedAt: new Date(1).toISOString(),
      },
    } as unknown as Parameters<DlqStore['intake']>[0]);
    await new Promise((r) => setImmediate(r));
    entries.release();
    await Promise.all([recount, intake]);
    expect(store.allGroups()).toHaveLength(1);
    expect(saved.at(-1)).toMatchObject({
      _id: GROUP,
      count: 2,
      counts: { pending: 2, replayed: 0, resolved: 0, parked: 0, archived: 0 },
    });
  });
});
