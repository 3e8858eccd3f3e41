import { parseCli, UsageError } from '../demo/cli-args';

export const KEYS_USAGE = `usage: ./keelson keys                           every API key: id, name, scopes, rate, expiry, revoked
       ./keelson keys create --name N --scopes a,b [--rate R] [--burst B] [--expires-in 720h | --expires-at T]
                                                 prints the new key once (it is stored hashed)
       ./keelson keys revoke <id>                refused by every service within 30 s`;

export type KeysCommand =
  | { action: 'list' }
  | { action: 'create'; body: Record<string, unknown> }
  | { action: 'revoke'; id: string };

export function parseKeysArgs(argv: string[]): KeysCommand {
  const [action, ...rest] = argv;
  if (action === undefined || action === 'list') return { action: 'list' };
  if (action === 'revoke') {
    if (!rest[0] || rest[0].startsWith('--')) throw new UsageError('revoke needs a key id');
    return { action: 'revoke', id: rest[0] };
  }
  if (action !== 'create') throw new UsageError(`unknown keys command "${action}"`);
  const o = parseCli(rest, {
    name: { type: 'string' },
    scopes: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'expires-in': { type: 'string' },
    'expires-at': { type: 'string' },
  });
  if (!o.name || !o.scopes) throw new UsageError('create needs --name and --scopes');
  const int = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, not "${value}"`);
    return n;
  };
  const body: Record<string, unknown> = {
    name: o.name,
    scopes: o.scopes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  const rate = int(o.rate, 'rate');
  const burst = int(o.burst, 'burst');
  if (rate !== undefined) body.ratePerSecond = rate;
  if (burst !== undefined) body.burst = burst;
  if (o['expires-in']) body.expiresIn = o['expires-in'];
  if (o['expires-at']) body.expiresAt = o['expires-at'];
  return { action: 'create', body };
}

export interface KeyRow {
  id: string;
  name: string;
  scopes: string[];
  ratePerSecond: number;
  burst: number;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export function formatKeys(keys: KeyRow[], now = Date.now()): string {
  if (keys.length === 0) return 'no API keys';
  return [
    `${'id'.padEnd(16)}  ${'name'.padEnd(20)} ${'scopes'.padEnd(28)} ${'rate/s'.padStart(7)}  state`,
    ...keys.map((k) => {
      const state = k.revokedAt
        ? `revoked ${k.revokedAt}`
        : k.expiresAt && Date.parse(k.expiresAt) <= now
          ? `expired ${k.expiresAt}`
          : k.expiresAt
            ? `valid until ${k.expiresAt}`
            : 'valid';
      return `${k.id.padEnd(16)}  ${k.name.slice(0, 20).padEnd(20)} ${k.scopes.join(',').padEnd(28)} ${(k.ratePerSecond ? String(k.ratePerSecond) : 'default').padStart(7)}  ${state}`;
    }),
  ].join('\n');
}
