import {
  DEFAULT_HANDLER_DEADLINE_MS,
  handlerDeadlineMs,
  HandlerTimeoutError,
  runWithDeadline,
} from './handler-deadline';
import { MicroBatcher } from './micro-batcher';

const never = () => new Promise<void>(() => undefined);

describe('runWithDeadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("settles with the handler's own outcome when it finishes in time", async () => {
    await expect(runWithDeadline(async () => undefined, 1_000)).resolves.toEqual({
      status: 'done',
    });
    const error = new Error('no');
    await expect(
      runWithDeadline(async () => {
        throw error;
      }, 1_000),
    ).resolves.toEqual({ status: 'failed', error });
    expect(jest.getTimerCount()).toBe(0); // no deadline timer outlives the handler
  });

  it('counts a synchronous throw as a failure, not a crash', async () => {
    const error = new Error('sync');
    const outcome = await runWithDeadline(() => {
      throw error;
    }, 1_000);
    expect(outcome).toEqual({ status: 'failed', error });
  });

  it('times out a handler still running at its deadline, and reports its late outcome', async () => {
    let finish!: () => void;
    const pending = runWithDeadline(() => new Promise<void>((resolve) => (finish = resolve)), 500);
    jest.advanceTimersByTime(499);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);

    jest.advanceTimersByTime(1);
    const outcome = await pending;
    expect(outcome.status).toBe('timed-out');
    if (outcome.status !== 'timed-out') return;
    expect(outcome.error).toBeInstanceOf(HandlerTimeoutError);
    expect(outcome.error.message).toBe('handler still running after its 500 ms deadline');
    finish();
    await expect(outcome.late).resolves.toEqual({ status: 'done' });
  });

  it('never rejects on a late failure', async () => {
    let fail!: (e: Error) => void;
    const pending = runWithDeadline(() => new Promise<void>((_, reject) => (fail = reject)), 10);
    jest.advanceTimersByTime(10);
    const outcome = await pending;
    if (outcome.status !== 'timed-out') throw new Error('expected a timeout');
    const error = new Error('late');
    fail(error);
    await expect(outcome.late).resolves.toEqual({ status: 'failed', error });
  });

  it('covers a handler waiting on a micro-batch whose flush hangs', async () => {
    const batcher = new MicroBatcher<number>(never, 10, 20);
    const pending = runWithDeadline(() => batcher.add('dataset', 1), 1_000);
    jest.advanceTimersByTime(20); // the batch flushes, and its write never returns
    jest.advanceTimersByTime(980);
    await expect(pending).resolves.toMatchObject({ status: 'timed-out' });
  });

  it('sets no timer for a deadline longer than a timer can hold', async () => {
    void runWithDeadline(never, 2 ** 31);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('handlerDeadlineMs', () => {
  it("is the spec's own deadline when it sets one", () => {
    expect(handlerDeadlineMs({ ackWaitMs: 30_000, handlerDeadlineMs: 2_000 })).toBe(2_000);
  });

  it('defaults to 30 s, or the ack wait when that is longer', () => {
    expect(handlerDeadlineMs({ ackWaitMs: 1_000 })).toBe(DEFAULT_HANDLER_DEADLINE_MS);
    expect(handlerDeadlineMs({ ackWaitMs: 90_000 })).toBe(90_000);
  });

  it('refuses a deadline that would time out every handler at once', () => {
    expect(() => handlerDeadlineMs({ ackWaitMs: 1_000, handlerDeadlineMs: 0 })).toThrow(
      /must be positive/,
    );
  });
});
