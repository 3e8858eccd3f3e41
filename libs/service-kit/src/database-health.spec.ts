import type { Connection } from 'mongoose';
import { DatabaseHealth } from './database-health.service';

/** A stand-in connection whose ping answers as told: pure logic, no database. */
function fakeConnection() {
  const state = { up: true };
  const connection = {
    readyState: 1,
    db: {
      admin: () => ({
        command: async () => (state.up ? { ok: 1 } : Promise.reject(new Error('down'))),
      }),
    },
  } as unknown as Connection;
  return { connection, state };
}

describe('DatabaseHealth', () => {
  it('tells listeners about each transition once', async () => {
    const { connection, state } = fakeConnection();
    const health = new DatabaseHealth(connection);
    const seen: boolean[] = [];
    health.onChange((up) => void seen.push(up));
    await health.check();
    state.up = false;
    await health.check();
    await health.check();
    state.up = true;
    await health.check();
    expect(seen).toEqual([false, true]);
  });

  it('retries a transition whose listener failed, so consumers are never left paused', async () => {
    const { connection, state } = fakeConnection();
    const health = new DatabaseHealth(connection);
    let failResume = true;
    const calls: boolean[] = [];
    health.onChange(async (up) => {
      calls.push(up);
      if (up && failResume) throw new Error('JetStream not answering yet');
    });
    state.up = false;
    await health.check();
    state.up = true;
    await health.check(); // resume fails
    expect(health.up).toBe(false);
    failResume = false;
    await health.check(); // tried again
    expect(health.up).toBe(true);
    expect(calls).toEqual([false, true, true]);
  });
});
