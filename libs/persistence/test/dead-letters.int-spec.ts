import type { Connection } from 'mongoose';
import { testInfra, uniqueId } from '@keelson/testing';
import { connectMongo } from '../src/connection';
import { DeadLetterRepository, type DeadLetterEntry } from '../src/dead-letter.repository';

const entry = (n: number, groupId: string): DeadLetterEntry => ({
  _id: `e${String(n).padStart(6, '0')}`,
  groupId,
  stream: 'S',
  consumer: 'c',
  originalSubject: 's.x',
  streamSequence: n,
  reason: 'handler-failed',
  failure: 'exhausted',
  error: `failed ${n}`,
  fingerprint: 'f',
  pattern: 'failed #',
  headers: { a: ['b'] },
  payloadBase64: Buffer.from(`payload ${n}`).toString('base64'),
  payloadBytes: 9,
  failedAt: new Date(1_700_000_000_000 + n),
  storedAt: new Date(1_700_000_000_000 + n),
  state: 'pending',
  replays: 0,
  returns: 0,
});

describe('dead letters on FerretDB: changes are rewrites that a crash cannot lose', () => {
  let connection: Connection;
  beforeAll(async () => {
    const url = testInfra.mongoUrl.replace(/\/[^/]*$/, `/dead_letters_${uniqueId()}`);
    connection = await connectMongo({ url });
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('changes exactly the entries a filter picks, across chunks, and keeps every field', async () => {
    const entries = new DeadLetterRepository(connection);
    await entries.ensureIndexes();
    const all = Array.from({ length: 2_300 }, (_, i) => entry(i, i % 10 === 0 ? 'other' : 'g'));
    for (const e of all) await entries.insert(e);
    const changed = await entries.update(
      { groupId: 'g', state: 'pending' },
      {
        set: { state: 'replayed', lastReplay: { taskId: 't1', at: new Date(5) } },
        inc: { replays: 1 },
      },
    );
    expect(changed).toBe(2_070); // more than one chunk of 2,000
    expect(await entries.count({})).toBe(2_300);
    expect(await entries.count({ groupId: 'g', state: 'replayed', taskId: 't1' })).toBe(2_070);
    expect(await entries.count({ groupId: 'other', state: 'pending' })).toBe(230);
    const one = await entries.get('e000001');
    expect(one).toEqual({
      ...entry(1, 'g'),
      state: 'replayed',
      replays: 1,
      lastReplay: { taskId: 't1', at: new Date(5) },
    });
    expect(await connection.collection('dead_letter_journal').countDocuments()).toBe(0);
  });

  it('puts back the originals of a rewrite a crash interrupted, before the next change', async () => {
    const groupId = `crash_${uniqueId()}`;
    const entries = new DeadLetterRepository(connection);
    const batch = Array.from({ length: 50 }, (_, i) => entry(100_000 + i, groupId));
    for (const e of batch) await entries.insert(e);
    // The state a crash leaves between the delete and the insert: originals journalled, gone here.
    await connection.collection('dead_letter_journal').insertMany(batch as never[]);
    await connection
      .collection('dead_letters')
      .deleteMany({ _id: { $in: batch.slice(0, 30).map((e) => e._id) } } as never);
    expect(await entries.count({ groupId })).toBe(20);

    const restarted = new DeadLetterRepository(connection);
    await restarted.ensureIndexes();
    expect(await restarted.count({ groupId, state: 'pending' })).toBe(50);
    expect(await restarted.get(batch[0]._id)).toEqual(batch[0]);
    expect(await connection.collection('dead_letter_journal').countDocuments()).toBe(0);
  });

  it('decides a change on the entry as read, with no other change in between', async () => {
    const groupId = `one_${uniqueId()}`;
    const entries = new DeadLetterRepository(connection);
    const e = entry(200_000, groupId);
    await entries.insert(e);
    const decide = (x: DeadLetterEntry) =>
      x.lastReturn === 'r1'
        ? undefined
        : { set: { lastReturn: 'r1', state: 'pending' as const }, inc: { returns: 1 } };
    const [first, second] = await Promise.all([
      entries.changeOne(e._id, decide),
      entries.changeOne(e._id, decide),
    ]);
    expect(first?.returns).toBe(0);
    expect(second?.lastReturn).toBe('r1'); // saw the first change: the return counts once
    expect((await entries.get(e._id))?.returns).toBe(1);
    expect(await entries.changeOne('no-such-entry', decide)).toBeNull();
  });
});
