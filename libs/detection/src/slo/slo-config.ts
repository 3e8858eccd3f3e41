/**
 * The gateway's SLO targets as the service reads them from an environment variable (JSON):
 *
 *   {"default": {"availability": 0.999, "latency": {"objective": 0.99, "thresholdMs": 250}},
 *    "models": {"credit": {"availability": 0.9995}}}
 *
 * Every field is optional. What `default` leaves out comes from DEFAULT_MODEL_SLOS; what a model
 * leaves out comes from `default`, field by field (a model may set only `latency.thresholdMs`).
 * Models are resolved at parse time, so a lookup never merges. Unknown keys are errors, not
 * ignored: a misspelt "availibility" silently keeping the default is the failure this prevents.
 */
export interface LatencySlo {
  /** Fraction of requests that must answer within `thresholdMs`, in (0, 1). */
  readonly objective: number;
  readonly thresholdMs: number;
}

export interface ModelSlos {
  /** Fraction of requests that must answer without error, in (0, 1). */
  readonly availability: number;
  readonly latency: LatencySlo;
}

export interface SloConfig {
  readonly default: ModelSlos;
  /** Fully resolved per-model targets; models not listed use `default`. */
  readonly models: Readonly<Record<string, ModelSlos>>;
}

export type SloConfigResult =
  | { readonly ok: true; readonly config: SloConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

export const DEFAULT_MODEL_SLOS: ModelSlos = {
  availability: 0.999,
  latency: { objective: 0.99, thresholdMs: 250 },
};

/** Parses and validates the JSON; errors name the field and the reason, all of them at once. */
export function parseSloConfig(json: string): SloConfigResult {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { ok: false, errors: [`(root): not valid JSON: ${(error as Error).message}`] };
  }
  const errors: string[] = [];
  const root = objectAt(raw, '(root)', ['default', 'models'], errors);
  const defaults = modelSlosAt(root?.['default'], 'default', DEFAULT_MODEL_SLOS, errors);
  const models: Record<string, ModelSlos> = {};
  const rawModels = objectAt(root?.['models'], 'models', undefined, errors);
  for (const [modelId, value] of Object.entries(rawModels ?? {})) {
    if (modelId.trim() === '') {
      errors.push('models: a model id must not be empty');
      continue;
    }
    // defineProperty: a model called "__proto__" is a key like any other, not a prototype.
    Object.defineProperty(models, modelId, {
      value: modelSlosAt(value, `models.${modelId}`, defaults, errors),
      enumerable: true,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { default: defaults, models } };
}

/** The targets for a model: its own if configured, otherwise the default. */
export function slosForModel(config: SloConfig, modelId: string): ModelSlos {
  return Object.hasOwn(config.models, modelId) ? config.models[modelId] : config.default;
}

function modelSlosAt(
  value: unknown,
  path: string,
  inherited: ModelSlos,
  errors: string[],
): ModelSlos {
  const raw = objectAt(value, path, ['availability', 'latency'], errors);
  const latency = objectAt(
    raw?.['latency'],
    `${path}.latency`,
    ['objective', 'thresholdMs'],
    errors,
  );
  return {
    availability: objectiveAt(
      raw?.['availability'],
      `${path}.availability`,
      inherited.availability,
      errors,
    ),
    latency: {
      objective: objectiveAt(
        latency?.['objective'],
        `${path}.latency.objective`,
        inherited.latency.objective,
        errors,
      ),
      thresholdMs: thresholdAt(
        latency?.['thresholdMs'],
        `${path}.latency.thresholdMs`,
        inherited.latency.thresholdMs,
        errors,
      ),
    },
  };
}

/**
 * The value as a plain object, or undefined when absent; records an error (and returns undefined)
 * for anything else, and for keys outside `allowed` when given.
 */
function objectAt(
  value: unknown,
  path: string,
  allowed: readonly string[] | undefined,
  errors: string[],
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: must be an object, got ${describe(value)}`);
    return undefined;
  }
  const record = value as Record<string, unknown>;
  if (allowed) {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        errors.push(`${path}.${key}: unknown key (expected one of ${allowed.join(', ')})`);
      }
    }
  }
  return record;
}

function objectiveAt(value: unknown, path: string, inherited: number, errors: string[]): number {
  if (value === undefined) return inherited;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    // 1 is the tempting wrong answer: it leaves no error budget, so no burn rate can be computed.
    errors.push(`${path}: must be a number in (0, 1), got ${describe(value)}`);
    return inherited;
  }
  return value;
}

function thresholdAt(value: unknown, path: string, inherited: number, errors: string[]): number {
  if (value === undefined) return inherited;
  if (typeof value !== 'number' || !(value > 0 && Number.isFinite(value))) {
    errors.push(`${path}: must be a number > 0, got ${describe(value)}`);
    return inherited;
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
