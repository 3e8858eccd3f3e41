import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The architecture's dependency rules live in eslint.config.mjs; this proves they bite, so a
// config change that silently disables them fails the build. ESLint runs as its own process
// (its ESM config cannot load inside jest's module sandbox).
const root = join(__dirname, '../..');

function lintAs(file: string, code: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/eslint/bin/eslint.js'),
      '--stdin',
      '--stdin-filename',
      join(root, file),
      '--format',
      'json',
    ],
    {
      cwd: root,
      input: code,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    },
  );
  const [result] = JSON.parse(run.stdout) as Array<{
    messages: Array<{ ruleId: string; message: string }>;
  }>;
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('module boundaries', () => {
  // The boundaries rule reads Nx's cached project graph and skips itself (with a warning) if there
  // is none, as in a fresh clone; computing the graph first makes the check real.
  beforeAll(() => {
    spawnSync(process.execPath, [join(root, 'node_modules/nx/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  it('keeps schemas free of every other lib', () => {
    expect(
      lintAs(
        'libs/schemas/src/probe.ts',
        "import { env } from '@keelson/config';\nexport const x = env;\n",
      ),
    ).toEqual([expect.stringMatching(/^@nx\/enforce-module-boundaries: .*scope:schemas.*/)]);
  });

  it('bans deep imports into another project', () => {
    expect(
      lintAs(
        'libs/config/src/probe.ts',
        "import { uuidv7 } from '@keelson/schemas/src/ids';\nexport const x = uuidv7;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*public entry/)]);
  });

  it('keeps test helpers out of production code', () => {
    expect(
      lintAs(
        'libs/messaging/src/probe.ts',
        "import { waitFor } from '@keelson/testing';\nexport const x = waitFor;\n",
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*tests only/)]);
  });

  it('allows a lib to use another lib through its public entry', () => {
    expect(
      lintAs(
        'libs/messaging/src/probe.ts',
        "import { uuidv7 } from '@keelson/schemas';\nexport const x = uuidv7;\n",
      ),
    ).toEqual([]);
  });

  it('allows the Nest adapters through their own public entry', () => {
    expect(
      lintAs(
        'apps/ingestion/src/probe.ts',
        "import { MessagingModule } from '@keelson/messaging/nest';\n" +
          "import { KeelsonConfigModule } from '@keelson/config/nest';\n" +
          'export const x = [MessagingModule, KeelsonConfigModule];\n',
      ),
    ).toEqual([]);
  });

  it.each([
    ['libs/messaging/src/probe.ts', "import { Module } from '@nestjs/common';"],
    ['libs/messaging/src/probe.ts', "import { MessagingModule as Module } from './nest';"],
    ['libs/config/src/probe.ts', "import { MESSAGING as Module } from '@keelson/messaging/nest';"],
  ])('keeps Nest out of the core of %s (%s)', (file, line) => {
    expect(lintAs(file, `${line}\nexport const x = Module;\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*free of Nest/),
    ]);
  });
});
