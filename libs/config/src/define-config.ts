import type { Env, Setting } from './settings';

export interface ConfigShape {
  readonly [key: string]: Setting<unknown> | ConfigShape;
}

/** The typed object a shape produces: every Setting<T> becomes T, nesting kept. */
export type ConfigOf<S extends ConfigShape> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T>
    ? T
    : S[K] extends ConfigShape
      ? ConfigOf<S[K]>
      : never;
};

export interface ConfigProblem {
  variable: string;
  value: string | undefined;
  reason: string;
}

/** Thrown once at start-up with every problem found, so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map(
      (p) =>
        `  - ${p.variable}${p.value === undefined ? '' : `=${JSON.stringify(p.value)}`} ${p.reason}`,
    );
    super(
      `Invalid configuration for ${app} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

const isSetting = (x: Setting<unknown> | ConfigShape): x is Setting<unknown> =>
  typeof (x as Setting<unknown>).read === 'function';

export interface ConfigDefinition<S extends ConfigShape> {
  readonly app: string;
  /** Reads and validates the environment; throws ConfigError naming every bad variable. */
  load(env?: Env): ConfigOf<S>;
  /** Every variable the app reads, for docs and `--help`. */
  variables(): Array<{ variable: string; description: string }>;
}

export function defineConfig<S extends ConfigShape>(app: string, shape: S): ConfigDefinition<S> {
  const settings: Setting<unknown>[] = [];
  const collect = (node: ConfigShape) => {
    for (const value of Object.values(node)) {
      if (isSetting(value)) settings.push(value);
      else collect(value);
    }
  };
  collect(shape);

  return {
    app,
    variables: () => settings.map((s) => ({ variable: s.variable, description: s.description })),
    load(env: Env = process.env) {
      const problems: ConfigProblem[] = [];
      const build = (node: ConfigShape): Record<string, unknown> => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(node)) {
          if (!isSetting(value)) {
            out[key] = build(value);
            continue;
          }
          const parsed = value.read(env);
          if (parsed.ok) {
            out[key] = parsed.value;
          } else {
            const raw = env[value.variable];
            problems.push({
              variable: value.variable,
              value: raw === undefined || value.secret ? undefined : raw,
              reason: parsed.reason,
            });
          }
        }
        return Object.freeze(out);
      };
      const config = build(shape);
      if (problems.length > 0) throw new ConfigError(app, problems);
      return config as ConfigOf<S>;
    },
  };
}
