import { failureVerdict } from './failure-verdict';
import { HandlerTimeoutError } from './handler-deadline';
import { TerminalError } from './handlers';

const spec = { maxDeliver: 3, retryBackoffMs: [100, 500] };

describe('failureVerdict', () => {
  it('retries with the backoff for the attempt, repeating the last delay', () => {
    expect(failureVerdict(spec, 1, new Error('x'))).toEqual({ action: 'retry', delayMs: 100 });
    expect(failureVerdict(spec, 2, new Error('x'))).toEqual({ action: 'retry', delayMs: 500 });
    const unlimited = { ...spec, maxDeliver: -1 };
    expect(failureVerdict(unlimited, 9, new Error('x'))).toEqual({ action: 'retry', delayMs: 500 });
  });

  it('retries a handler that ran past its deadline like any other failure', () => {
    expect(failureVerdict(spec, 1, new HandlerTimeoutError(2_000))).toEqual({
      action: 'retry',
      delayMs: 100,
    });
  });

  it('dead-letters on the last allowed delivery, saying whether the handler failed or hung', () => {
    expect(failureVerdict(spec, 3, new Error('x'))).toEqual({
      action: 'dead-letter',
      reason: 'handler-failed',
      failure: 'exhausted',
    });
    expect(failureVerdict(spec, 3, new HandlerTimeoutError(2_000))).toEqual({
      action: 'dead-letter',
      reason: 'handler-timeout',
      failure: 'exhausted',
    });
  });

  it('dead-letters a TerminalError at once', () => {
    expect(failureVerdict(spec, 1, new TerminalError('never'))).toEqual({
      action: 'dead-letter',
      reason: 'handler-failed',
      failure: 'terminal',
    });
  });
});
