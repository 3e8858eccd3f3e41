import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// One public entry per lib: no deep imports into another project's src/. The exceptions are the
// Nest adapters, a second public entry each so that the lib's main entry stays free of Nest, and
// the inference engine, so that the protocol's users (gateway, recovery) never load onnxruntime.
const publicEntriesOnly = {
  group: [
    '@keelson/*/*',
    '!@keelson/config/nest',
    '!@keelson/messaging/nest',
    '!@keelson/inference/engine',
  ],
  message: 'Import a lib through its public entry only.',
};
const testHelpersForTestsOnly = {
  name: '@keelson/testing',
  message: '@keelson/testing is for tests only.',
};

export default tseslint.config(
  { ignores: ['**/node_modules', '**/dist', '**/coverage', '.nx', '.keelson', 'docs/schemas'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Apps talk to each other over NATS only; libs never reach into apps; schemas stand alone.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:schemas', onlyDependOnLibsWithTags: ['scope:none'] },
            // Detection is pure (arrays in, verdicts out): it may use the schemas' types, nothing else.
            { sourceTag: 'scope:detection', onlyDependOnLibsWithTags: ['scope:schemas'] },
            // So is healing: recovery's decisions, facts in and actions out.
            { sourceTag: 'scope:healing', onlyDependOnLibsWithTags: ['scope:schemas'] },
            // Test helpers may be used by tests only (checked below), never by production code paths.
            { sourceTag: 'scope:testing', notDependOnLibsWithTags: ['type:app'] },
          ],
        },
      ],
      'no-restricted-imports': ['error', { patterns: [publicEntriesOnly] }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', 'libs/testing/**', 'e2e/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [testHelpersForTestsOnly], patterns: [publicEntriesOnly] },
      ],
    },
  },
  {
    // The Nest-free cores: everything but their `nest/` adapters loads without Nest, so that
    // main.ts can read its config and connect before tracing starts and Nest loads
    // (tools/lint/nest-free-entries.spec.ts checks what the entries load at run time).
    files: ['libs/config/src/**/*.ts', 'libs/messaging/src/**/*.ts'],
    ignores: ['libs/*/src/nest/**', '**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [testHelpersForTestsOnly],
          patterns: [
            publicEntriesOnly,
            {
              group: ['@nestjs/*', '@keelson/*/nest', './nest', './nest/*'],
              message: "Keep this lib's core free of Nest: Nest code belongs in its nest/ entry.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        jest: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The monitoring console's page: ES modules the browser runs as they are.
    files: ['apps/*/src/**/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'Node',
          'fetch',
          'sessionStorage',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  prettier,
);
