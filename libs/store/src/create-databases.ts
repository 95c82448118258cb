import { Client } from 'pg';

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
