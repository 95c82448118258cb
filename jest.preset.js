// @ts-check
/**
 * Shared Jest settings for every project in the workspace.
 *
 * The root jest.config.js builds one Jest project per app/lib from `projectConfig()`,
 * so there are no per-project jest config files to keep in sync.
 */
const path = require('node:path');

const workspaceRoot = __dirname;

/** @swc/jest options: TypeScript + legacy decorators with emitted design:* metadata (NestJS DI needs it). */
const swcOptions = {
  swcrc: false,
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    keepClassNames: true,
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
};

/**
 * @param {string} name  project name (used as displayName, so `--selectProjects <name>` works)
 * @param {string} root  project directory relative to the workspace root, e.g. "apps/gateway"
 * @returns {import('jest').Config}
 */
function projectConfig(name, root) {
  return {
    displayName: name,
    rootDir: path.join(workspaceRoot, root),
    roots: ['<rootDir>'],
    testEnvironment: 'node',
    testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    modulePathIgnorePatterns: ['<rootDir>/dist/'],
    moduleFileExtensions: ['ts', 'js', 'json', 'node'],
    transform: { '^.+\\.(t|j)s$': ['@swc/jest', swcOptions] },
    moduleNameMapper: { '^@parley/(.*)$': path.join(workspaceRoot, 'libs/$1/src/index.ts') },
    // reflect-metadata must be loaded before any decorated class is defined, otherwise
    // the swc metadata helper silently emits nothing.
    setupFiles: [require.resolve('reflect-metadata')],
    // Raises the default timeout to 30 s for *.int-spec.ts and *.e2e-spec.ts files.
    setupFilesAfterEnv: [path.join(workspaceRoot, 'tools/jest/setup-timeouts.js')],
  };
}

module.exports = { workspaceRoot, swcOptions, projectConfig };
