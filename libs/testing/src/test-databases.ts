import { randomBytes } from 'node:crypto';
import { APP_ROLE, dropDatabases, ensureDatabasesExist, migrateAll } from '@parley/store';

export interface TestDatabases {
  /**
   * Environment for services: DIRECTORY_DATABASE_URL, SHARD_DATABASE_URLS, LOGICAL_SHARDS.
   * Services connect as the application role (not the owner), as in production.
   */
  env: Record<string, string>;
  /** The owner's URLs: migrations, and tests that look at the tables directly. */
  config: {
    DIRECTORY_DATABASE_URL: string;
    SHARD_DATABASE_URLS: Array<{ id: string; url: string }>;
    LOGICAL_SHARDS: number;
    DATABASE_POOL_SIZE: number;
  };
  drop(): Promise<void>;
}

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * A directory and `physicalShards` shard databases with unique names, migrated.
 * Every test file gets its own, so files run in parallel and twice in a row.
 */
export async function createTestDatabases(options: { physicalShards?: number; logicalShards?: number } = {}): Promise<TestDatabases> {
  const base = uniqueName('parley_t');
  const shards = Array.from({ length: options.physicalShards ?? 2 }, (_, i) => ({ id: `shard-${i}`, url: `${SERVER}/${base}_s${i}` }));
  const config = {
    DIRECTORY_DATABASE_URL: `${SERVER}/${base}_dir`,
    SHARD_DATABASE_URLS: shards,
    LOGICAL_SHARDS: options.logicalShards ?? 8,
    DATABASE_POOL_SIZE: 5,
  };
  const urls = [config.DIRECTORY_DATABASE_URL, ...shards.map((s) => s.url)];
  await ensureDatabasesExist(urls);
  try {
    await migrateAll(config);
  } catch (err) {
    await dropDatabases(urls);
    throw err;
  }
  return {
    config,
    env: {
      DIRECTORY_DATABASE_URL: asAppRole(config.DIRECTORY_DATABASE_URL),
      SHARD_DATABASE_URLS: shards.map((s) => `${s.id}=${asAppRole(s.url)}`).join(','),
      LOGICAL_SHARDS: String(config.LOGICAL_SHARDS),
      DATABASE_POOL_SIZE: String(config.DATABASE_POOL_SIZE),
    },
    drop: () => dropDatabases(urls),
  };
}

/** The same database, connecting as the application role (the test server trusts local connections). */
export function asAppRole(url: string): string {
  const appUrl = new URL(url);
  appUrl.username = APP_ROLE;
  appUrl.password = '';
  return appUrl.toString();
}
