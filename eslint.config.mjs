// ESLint 9 flat config for the whole workspace (`npx eslint .` / `npm run lint`).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { createProjectGraphAsync } from '@nx/devkit';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries only *reads* a cached project graph; without one it prints
// "No cached ProjectGraph is available. The rule will be skipped." and checks nothing.
// So compute (or incrementally refresh) the graph here, in-process, without the Nx daemon.
process.env.NX_DAEMON ??= 'false';
try {
  await createProjectGraphAsync({ exitOnError: false });
} catch (err) {
  console.warn(
    `[eslint.config] could not compute the Nx project graph; @nx/enforce-module-boundaries may be skipped: ${
      err instanceof Error ? err.message : String(err)
    }`,
  );
}

const TS_FILES = ['**/*.ts', '**/*.tsx', '**/*.cts', '**/*.mts'];
const JS_FILES = ['**/*.js', '**/*.cjs', '**/*.mjs'];

/** Node.js globals for plain JS files (tools/scripts, jest configs). */
const nodeGlobals = Object.fromEntries(
  [
    'require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer',
    'global', 'globalThis', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
    'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'URL', 'URLSearchParams',
    'AbortController', 'AbortSignal', 'TextEncoder', 'TextDecoder', 'fetch', 'performance',
  ].map((name) => [name, 'readonly']),
);
/** Jest globals for JS setup files that run inside Jest. */
const jestGlobals = Object.fromEntries(
  ['jest', 'expect', 'describe', 'it', 'test', 'beforeAll', 'beforeEach', 'afterAll', 'afterEach'].map((name) => [
    name,
    'readonly',
  ]),
);

const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/*/test/**', 'libs/*/test/**'];

/**
 * Options of @nx/enforce-module-boundaries (tags come from each project.json).
 * @param {{ testFiles: boolean }} opts  test files may additionally depend on type:testing
 */
function moduleBoundaries({ testFiles }) {
  const lib = (...tags) => (testFiles ? [...tags, 'type:testing'] : tags);
  return {
    enforceBuildableLibDependency: false,
    banTransitiveDependencies: false,
    allowCircularSelfDependency: false,
    allow: [],
    // Nx puts a project's test files into the project's dependencies, so "nats" (via
    // libs/nats/test) -> "testing" -> "nats" looks like a cycle. Only apps and test files may
    // import type:testing (enforced below), so any cycle through it is a test-only artefact.
    ignoredCircularDependencies: [['tag:type:testing', '*']],
    depConstraints: [
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:infra', 'type:data', 'type:testing'],
      },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: lib() },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: lib('type:contracts', 'type:util') },
      { sourceTag: 'type:infra', onlyDependOnLibsWithTags: lib('type:contracts', 'type:util', 'type:infra') },
      { sourceTag: 'type:data', onlyDependOnLibsWithTags: lib('type:contracts', 'type:util', 'type:data') },
      // k8s/ manifest tests check the shipped configuration with the services' own schemas.
      { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: ['type:util'] },
      // bench/ starts the system as `npm start` does and talks to it as clients and operators do.
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:infra', 'type:data'] },
      {
        sourceTag: 'type:testing',
        onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:infra', 'type:data', 'type:testing'],
      },
    ],
  };
}

export default [
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      '**/coverage/**',
      '**/tmp/**',
      '.nx/**',
    ],
  },

  js.configs.recommended,
  // typescript-eslint "recommended" (syntactic only, no type information => fast).
  ...tseslint.configs.recommended,

  {
    files: [...TS_FILES, ...JS_FILES],
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries({ testFiles: false })] },
  },
  // A lib's own tests (libs/<lib>/test, *.spec.ts) may use the type:testing helpers.
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries({ testFiles: true })] },
  },

  {
    files: TS_FILES,
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  // The client SDK runs in browsers and ships on its own: socket.io-client at run time, the
  // contracts for their types only (a value import would pull zod into every app).
  {
    files: ['libs/client/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@parley/contracts', allowTypeImports: true, message: 'The SDK may use @parley/contracts for types only: `import type`.' }],
          patterns: [
            { group: ['@parley/*', '!@parley/contracts'], message: 'The SDK depends on no other Parley library.' },
            { group: ['node:*', 'zod', 'nats', '@nestjs/*'], message: 'The SDK depends on socket.io-client only (it runs in browsers too).' },
          ],
        },
      ],
    },
  },

  // Plain JS: CommonJS Node scripts and configs.
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022, globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2022, globals: nodeGlobals },
  },
  {
    files: ['tools/jest/**/*.js'],
    languageOptions: { globals: jestGlobals },
  },

  // Must stay last: turns off every stylistic rule that would fight with Prettier.
  prettier,
];
