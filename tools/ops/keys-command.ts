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
