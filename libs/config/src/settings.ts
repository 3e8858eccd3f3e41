/** The environment as a plain map, so tests can pass their own instead of touching process.env. */
export type Env = Readonly<Record<string, string | undefined>>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One environment variable: its name, how to parse it, and what to use when it is unset. */
export interface Setting<T> {
  readonly variable: string;
  readonly description: string;
  readonly secret: boolean;
  read(env: Env): Parsed<T>;
}

interface Options<T> {
  default?: T;
  description?: string;
  /** Masks the value in error messages. */
  secret?: boolean;
}

function setting<T>(
  variable: string,
  opts: Options<T>,
  parse: (raw: string) => Parsed<T>,
): Setting<T> {
  return {
    variable,
    description: opts.description ?? '',
    secret: opts.secret ?? false,
    read(env) {
      const raw = env[variable];
      if (raw === undefined || raw.trim() === '') {
        return opts.default === undefined
          ? { ok: false, reason: 'is required but not set' }
          : { ok: true, value: opts.default };
      }
      return parse(raw.trim());
    },
  };
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (reason: string): Parsed<never> => ({ ok: false, reason });

function parseInteger(raw: string, min: number, max: number): Parsed<number> {
  if (!/^-?\d+$/.test(raw)) return fail(`must be an integer from ${min} to ${max}`);
  const n = Number(raw);
  return n >= min && n <= max ? ok(n) : fail(`must be an integer from ${min} to ${max}`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `250ms`, `5s`, `2m`, `1h` or a bare number of milliseconds, in ms; undefined if malformed. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  return m ? Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms'] : undefined;
}

export const env = {
  string(
    variable: string,
    opts: Options<string> & { pattern?: RegExp; hint?: string } = {},
  ): Setting<string> {
    return setting(variable, opts, (raw) =>
      !opts.pattern || opts.pattern.test(raw)
        ? ok(raw)
        : fail(`must be ${opts.hint ?? `like ${opts.pattern}`}`),
    );
  },

  integer(
    variable: string,
    opts: Options<number> & { min?: number; max?: number } = {},
  ): Setting<number> {
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    return setting(variable, opts, (raw) => parseInteger(raw, min, max));
  },

  number(
    variable: string,
    opts: Options<number> & { min?: number; max?: number } = {},
  ): Setting<number> {
    const min = opts.min ?? -Number.MAX_VALUE;
    const max = opts.max ?? Number.MAX_VALUE;
    return setting(variable, opts, (raw) => {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) && n >= min && n <= max
        ? ok(n)
        : fail(`must be a number from ${min} to ${max}`);
    });
  },

  /** A TCP port; 0 asks the OS for a free one (tests). */
  port(variable: string, defaultPort: number, description?: string): Setting<number> {
    return setting(variable, { default: defaultPort, description }, (raw) =>
      parseInteger(raw, 0, 65_535),
    );
  },

  boolean(variable: string, opts: Options<boolean> = {}): Setting<boolean> {
    return setting(variable, opts, (raw) => {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
      if (['0', 'false', 'no', 'off'].includes(v)) return ok(false);
      return fail('must be true or false');
    });
  },

  oneOf<const V extends string>(
    variable: string,
    values: readonly V[],
    opts: Options<V> = {},
  ): Setting<V> {
    return setting(variable, opts, (raw) =>
      (values as readonly string[]).includes(raw)
        ? ok(raw as V)
        : fail(`must be one of ${values.join(', ')}`),
    );
  },

  /** A URL, optionally limited to some protocols (given without the colon: `nats`, `mongodb`). */
  /**
   * A URL, or comma-separated URLs (a NATS cluster). With `hostList`, one URL whose authority may
   * list several `host[:port]` (a MongoDB replica set's seed list: `mongodb://a:27017,b:27017/db`).
   */
  url(
    variable: string,
    opts: Options<string> & { protocols?: string[]; hostList?: boolean } = {},
  ): Setting<string> {
    return setting(variable, opts, (raw) => {
      const seed = opts.hostList ? firstHostOnly(raw) : raw;
      if (seed === undefined) return fail('must list its hosts as host[:port] separated by commas');
      for (const part of opts.hostList ? [seed] : raw.split(',')) {
        let url: URL;
        try {
          url = new URL(part.trim());
        } catch {
          return fail('must be a URL');
        }
        const protocol = url.protocol.replace(/:$/, '');
        if (opts.protocols && !opts.protocols.includes(protocol)) {
          return fail(
            `must be a URL starting with ${opts.protocols.map((p) => `${p}://`).join(' or ')}`,
          );
        }
      }
      return ok(raw);
    });
  },

  /** A duration: `250ms`, `5s`, `2m`, `1h`, or a bare number of milliseconds. Parsed to ms. */
  durationMs(variable: string, opts: Options<number> & { min?: number } = {}): Setting<number> {
    return setting(variable, opts, (raw) => {
      const ms = parseDurationMs(raw);
      if (ms === undefined) return fail('must be a duration such as 500ms, 5s, 2m or 1h');
      return ms >= (opts.min ?? 0) ? ok(ms) : fail(`must be at least ${opts.min}ms`);
    });
  },

  /** Comma-separated values. */
  /** Comma-separated; with `pattern`, every item must match it (`hint` says how, masked or not). */
  list(
    variable: string,
    opts: Options<string[]> & { pattern?: RegExp; hint?: string } = {},
  ): Setting<string[]> {
    return setting(variable, opts, (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = opts.pattern && items.findIndex((item) => !opts.pattern!.test(item));
      return bad === undefined || bad < 0
        ? ok(items)
        : fail(`item ${bad + 1} must be ${opts.hint ?? `like ${opts.pattern}`}`);
    });
  },
};

/**
 * A seed-list URL with its hosts but the first removed, so that the URL parser checks the rest of
 * it; undefined when a listed host is not `host[:port]`.
 */
function firstHostOnly(raw: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?]*@)?([^/?]*)(.*)$/i.exec(raw.trim());
  if (!match) return raw;
  const [, scheme, credentials = '', hosts, rest] = match;
  const list = hosts.split(',');
  if (!list.every((host) => /^(\[[0-9a-f:]+\]|[a-z0-9._-]+)(:\d{1,5})?$/i.test(host)))
    return undefined;
  return `${scheme}${credentials}${list[0]}${rest}`;
}
