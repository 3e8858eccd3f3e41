import { DEFAULT_MODEL_SLOS, parseSloConfig, slosForModel, type SloConfig } from './slo-config';

function parsed(json: string): SloConfig {
  const result = parseSloConfig(json);
  if (!result.ok) throw new Error(`expected a valid config: ${result.errors.join('; ')}`);
  return result.config;
}

function errorsOf(json: string): readonly string[] {
  const result = parseSloConfig(json);
  return result.ok ? [] : result.errors;
}

describe('parseSloConfig', () => {
  it('reads defaults and resolves each model override against them', () => {
    const config = parsed(
      JSON.stringify({
        default: { availability: 0.999, latency: { objective: 0.99, thresholdMs: 250 } },
        models: { credit: { availability: 0.9995 }, fraud: { latency: { thresholdMs: 100 } } },
      }),
    );

    expect(slosForModel(config, 'credit')).toEqual({
      availability: 0.9995,
      latency: { objective: 0.99, thresholdMs: 250 },
    });
    expect(slosForModel(config, 'fraud')).toEqual({
      availability: 0.999,
      latency: { objective: 0.99, thresholdMs: 100 },
    });
    expect(slosForModel(config, 'unlisted')).toEqual(config.default);
  });

  it('fills what the config leaves out from the built-in defaults', () => {
    expect(parsed('{}').default).toEqual(DEFAULT_MODEL_SLOS);
    expect(parsed('{"default": {"latency": {"thresholdMs": 400}}}').default).toEqual({
      availability: DEFAULT_MODEL_SLOS.availability,
      latency: { objective: DEFAULT_MODEL_SLOS.latency.objective, thresholdMs: 400 },
    });
  });

  it('names the field and the reason for objectives outside (0, 1)', () => {
    expect(errorsOf('{"default": {"availability": 1}}')).toEqual([
      'default.availability: must be a number in (0, 1), got 1',
    ]);
    expect(errorsOf('{"models": {"credit": {"latency": {"objective": "0.99"}}}}')).toEqual([
      'models.credit.latency.objective: must be a number in (0, 1), got "0.99"',
    ]);
  });

  it('requires a positive latency threshold', () => {
    expect(errorsOf('{"default": {"latency": {"thresholdMs": 0}}}')).toEqual([
      'default.latency.thresholdMs: must be a number > 0, got 0',
    ]);
  });

  it('rejects unknown keys at every level, so a misspelling cannot keep a default', () => {
    expect(
      errorsOf(
        '{"defaults": {}, "models": {"credit": {"availibility": 0.99, "latency": {"p": 1}}}}',
      ),
    ).toEqual([
      '(root).defaults: unknown key (expected one of default, models)',
      'models.credit.availibility: unknown key (expected one of availability, latency)',
      'models.credit.latency.p: unknown key (expected one of objective, thresholdMs)',
    ]);
  });

  it('reports every problem at once, and shapes that are not objects', () => {
    const errors = errorsOf('{"default": [], "models": {"a": 3, "b": {"availability": -1}}}');

    expect(errors).toEqual([
      'default: must be an object, got an array',
      'models.a: must be an object, got 3',
      'models.b.availability: must be a number in (0, 1), got -1',
    ]);
  });

  it('reports JSON that does not parse', () => {
    expect(errorsOf('{"default":')[0]).toMatch(/^\(root\): not valid JSON/);
    expect(errorsOf('null')).toEqual(['(root): must be an object, got null']);
  });

  it('treats model ids as plain keys, never as object internals', () => {
    const config = parsed('{"models": {"__proto__": {"availability": 0.95}}}');

    expect(slosForModel(config, '__proto__').availability).toBe(0.95);
    expect(slosForModel(config, 'constructor')).toEqual(config.default);
    expect(Object.getPrototypeOf(config.models)).toBe(Object.prototype);
  });
});
