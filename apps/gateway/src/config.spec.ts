import { ConfigError } from '@keelson/config';
import { gatewayConfig } from './config';

const hedgeAfter = (value?: string, attemptTimeout?: string) =>
  gatewayConfig.load({
    KEELSON_NODE_TOKENS: 'a-test-node-token-0123',
    ...(value !== undefined && { GATEWAY_HEDGE_AFTER: value }),
    ...(attemptTimeout !== undefined && { GATEWAY_ATTEMPT_TIMEOUT: attemptTimeout }),
  }).hedge.after;

describe('GATEWAY_HEDGE_AFTER', () => {
  it('hedges adaptively by default; off or 0 turns it off; a duration pins it', () => {
    expect(hedgeAfter()).toEqual({ mode: 'auto' });
    expect(hedgeAfter('Auto')).toEqual({ mode: 'auto' });
    expect(hedgeAfter('off')).toEqual({ mode: 'off' });
    expect(hedgeAfter('0')).toEqual({ mode: 'off' });
    expect(hedgeAfter('0ms')).toEqual({ mode: 'off' });
    expect(hedgeAfter('25ms')).toEqual({ mode: 'fixed', ms: 25 });
    expect(hedgeAfter('0.2s')).toEqual({ mode: 'fixed', ms: 200 });
    expect(hedgeAfter('40')).toEqual({ mode: 'fixed', ms: 40 });
  });

  it.each([
    ['soon', 'must be auto, off (or 0), or a duration'],
    ['-5ms', 'must be auto, off (or 0), or a duration'],
    ['3s', 'must be shorter than GATEWAY_ATTEMPT_TIMEOUT (3000ms)'],
  ])('refuses %s with a clear error', (value, reason) => {
    expect(() => hedgeAfter(value)).toThrow(ConfigError);
    expect(() => hedgeAfter(value)).toThrow(`GATEWAY_HEDGE_AFTER="${value}" ${reason}`);
  });

  it('checks a pinned delay against the attempt timeout actually set', () => {
    expect(hedgeAfter('500ms', '2s')).toEqual({ mode: 'fixed', ms: 500 });
    expect(() => hedgeAfter('500ms', '400ms')).toThrow(/shorter than GATEWAY_ATTEMPT_TIMEOUT/);
  });
});

describe('GATEWAY_CONCURRENCY_TOLERANCE', () => {
  const tolerance = (value?: string) =>
    gatewayConfig.load({
      KEELSON_NODE_TOKENS: 'a-test-node-token-0123',
      ...(value !== undefined && { GATEWAY_CONCURRENCY_TOLERANCE: value }),
    }).concurrency.tolerance;

  it('defaults to 2 and takes a factor above 1', () => {
    expect(tolerance()).toBe(2);
    expect(tolerance('1.5')).toBe(1.5);
  });

  it.each(['1', '0.5', 'fast'])(
    'refuses %s: a limit that may not see latency grow never settles',
    (value) => {
      expect(() => tolerance(value)).toThrow(ConfigError);
      expect(() => tolerance(value)).toThrow(`GATEWAY_CONCURRENCY_TOLERANCE="${value}"`);
    },
  );
});
