import { QueryRunner } from 'typeorm';
import { APP_ROLE, ORG_SCOPE_SETTING, SYSTEM_SCOPE } from '../org-scope';

/**
 * Creates the application role if the server has none yet (roles are server-wide:
 * every database of the server shares it, and parallel migrations may race to create
 * it) and lets it read and write the tables, now and those later migrations create,
 * but not own, alter or drop them. The migrations run as the owner.
 */
export async function grantAppRole(q: QueryRunner): Promise<void> {
  await q.query(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created meanwhile by a parallel migration
    END $$`);
  await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
  await q.query(`REVOKE CREATE ON SCHEMA public FROM ${APP_ROLE}`);
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`);
  await q.query(`REVOKE ALL ON TABLE parley_migrations FROM ${APP_ROLE}`);
  await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
}

export async function revokeAppRole(q: QueryRunner): Promise<void> {
  await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${APP_ROLE}`);
  await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`);
  await q.query(`REVOKE USAGE ON SCHEMA public FROM ${APP_ROLE}`);
}

/** Rows are visible and writable only in their org's scope, or in the system scope. */
export async function enableOrgRowSecurity(q: QueryRunner, table: string): Promise<void> {
  const inScope = `current_setting('${ORG_SCOPE_SETTING}', true) IN ('${SYSTEM_SCOPE}', org_id)`;
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`CREATE POLICY org_scope ON ${table} USING (${inScope}) WITH CHECK (${inScope})`);
}

export async function disableOrgRowSecurity(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP POLICY IF EXISTS org_scope ON ${table}`);
  await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
}
