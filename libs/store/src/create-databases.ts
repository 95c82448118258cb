import { Client } from 'pg';
import { APP_ROLE } from './org-scope';
import { DatabaseConfig, migrateAll } from './sharded-database';

/**
 * Creates each database that does not exist yet, connecting to the server's
 * `postgres` database. Used by `npm start` and the test helpers, not in production
 * (where the databases are provisioned).
 */
export async function ensureDatabasesExist(urls: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const url of urls) {
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing to create database with unusual name "${name}"`);
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created concurrently
        });
        created.push(name);
      }
    } finally {
      await client.end();
    }
  }
  return created;
}

export async function dropDatabases(urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z0-9_]+$/.test(name)) continue;
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}

export interface ScratchDatabases {
  /** The owner's URLs: migrations, and callers that write or look at the tables directly. */
  config: DatabaseConfig;
  /**
   * Environment for services (DIRECTORY_DATABASE_URL, SHARD_DATABASE_URLS, LOGICAL_SHARDS,
   * DATABASE_POOL_SIZE), connecting as the application role, as in production.
   */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A directory and `physicalShards` shard databases named after `base` (which the caller
 * makes unique), created and migrated: what tests and benchmarks run on so they never
 * touch a developer's databases or each other's.
 */
export async function createScratchDatabases(
  server: string,
  base: string,
  options: { physicalShards: number; logicalShards: number; poolSize: number },
): Promise<ScratchDatabases> {
  const shards = Array.from({ length: options.physicalShards }, (_, i) => ({ id: `shard-${i}`, url: `${server}/${base}_s${i}` }));
  const config: DatabaseConfig = {
    DIRECTORY_DATABASE_URL: `${server}/${base}_dir`,
    SHARD_DATABASE_URLS: shards,
    LOGICAL_SHARDS: options.logicalShards,
    DATABASE_POOL_SIZE: options.poolSize,
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

/** The same database, connecting as the application role (a local server trusts local connections). */
export function asAppRole(url: string): string {
  const appUrl = new URL(url);
  appUrl.username = APP_ROLE;
  appUrl.password = '';
  return appUrl.toString();
}
