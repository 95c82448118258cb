import { randomBytes } from 'node:crypto';
import { createScratchDatabases, ScratchDatabases } from '@parley/store';

export { asAppRole } from '@parley/store';

/** `env` connects as the application role (not the owner), as in production; `config` has the owner's URLs. */
export type TestDatabases = ScratchDatabases;

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * A directory and `physicalShards` shard databases with unique names, migrated.
 * Every test file gets its own, so files run in parallel and twice in a row.
 */
export function createTestDatabases(options: { physicalShards?: number; logicalShards?: number } = {}): Promise<TestDatabases> {
  return createScratchDatabases(SERVER, uniqueName('parley_t'), {
    physicalShards: options.physicalShards ?? 2,
    logicalShards: options.logicalShards ?? 8,
    poolSize: 5,
  });
}
