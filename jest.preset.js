// Shared jest setup: SWC transpiles TypeScript (with decorator metadata for NestJS) far faster than
// ts-jest; type errors are caught by each project's `typecheck` target instead.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(__dirname, target),
  ]),
);

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

/** Builds a project's jest config with a fast `unit` project and a real-server `integration` one. */
function projectConfig(dir) {
  const common = { rootDir: dir, transform, moduleNameMapper, testEnvironment: 'node' };
  return {
    projects: [
      { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.spec.ts'] },
      {
        ...common,
        displayName: 'integration',
        testMatch: ['<rootDir>/**/*.int-spec.ts'],
        // Real servers: a generous per-test deadline; each test waits on conditions, not sleeps.
        setupFilesAfterEnv: [path.join(__dirname, 'tools/test/integration-setup.js')],
      },
    ],
  };
}

module.exports = { projectConfig, transform, moduleNameMapper };
