import { MigrationInterface, QueryRunner } from 'typeorm';

export class DirectoryInitial1732200000000 implements MigrationInterface {
  name = 'DirectoryInitial1732200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orgs (
        id text PRIMARY KEY,
        name text NOT NULL,
        home_shard integer NOT NULL,
        shard_spread integer NOT NULL DEFAULT 1 CHECK (shard_spread >= 1),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs(id),
        display_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deactivated_at timestamptz
      )`);
    await q.query(`CREATE INDEX users_org_idx ON users (org_id, created_at, id)`);
    await q.query(`
      CREATE TABLE shard_map (
        logical_shard integer PRIMARY KEY CHECK (logical_shard >= 0),
        physical_shard text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE shard_map`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE orgs`);
  }
}
