import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Tracing must start before Nest loads (STYLE.md), and a script that only needs config or a
// publisher should not pay for Nest at all; so the main entries of the Nest-free cores load no
// `@nestjs/` module, and their Nest adapters live behind `@keelson/<lib>/nest`. Each entry is
// loaded in a fresh node process, as main.ts would load it, because jest's module sandbox does
// not fill `require.cache`.
const root = join(__dirname, '../..');
const aliases: Record<string, [string]> = JSON.parse(
  readFileSync(join(root, 'tsconfig.base.json'), 'utf8'),
).compilerOptions.paths;

function nestPackagesLoadedBy(entry: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(__dirname, 'loaded-modules.probe.ts'),
      join(root, aliases[entry][0]),
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json') },
    },
  );
  if (run.status !== 0) throw new Error(`requiring ${entry} failed:\n${run.stderr}`);
  // Package names, not files, so a failure reads `['@nestjs/common', '@nestjs/microservices']`.
  const loaded = (JSON.parse(run.stdout) as string[])
    .map((file) => /[\\/]node_modules[\\/](@nestjs[\\/][^\\/]+)/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(loaded)];
}

describe('Nest-free entries', () => {
  it.each(['@keelson/messaging', '@keelson/config'])('%s loads no @nestjs module', (entry) => {
    expect(nestPackagesLoadedBy(entry)).toEqual([]);
  });

  // Without this, a probe that saw no modules at all would pass the cases above.
  it('sees Nest load through the adapter entry', () => {
    expect(nestPackagesLoadedBy('@keelson/messaging/nest')).toEqual(
      expect.arrayContaining(['@nestjs/common', '@nestjs/microservices']),
    );
  });
});
