import { Connection, Pool, Query, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { timedQuery } from './query-timer';

/** The role services connect as: it owns nothing, so row-level security applies to it. */
export const APP_ROLE = 'parley_app';

/**
 * The session setting the row-level security policies read: an org id, or `*` for
 * the system paths that serve many orgs in one statement (a chat node's batched
 * appends, admin views). Unset, the policies match nothing: a forgotten scope fails closed.
 */
export const ORG_SCOPE_SETTING = 'parley.org_id';
export const SYSTEM_SCOPE = '*';

/** The little of a DataSource or a transaction's EntityManager that repositories use. */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<T = any>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** Narrows the scope until the end of the transaction; answers the scope it set, checked before any row is handed out. */
const NARROW_SCOPE = `SELECT set_config('${ORG_SCOPE_SETTING}', $1, true) AS scope`;

/** What pg's Query does in extended mode (Parse, Bind, Describe, Execute, Sync), which its typings leave out. */
const sendExtendedQuery = (Query.prototype as unknown as { prepare(this: Query, connection: Connection): void }).prepare;

/**
 * Both statements in one round trip and one transaction. In the extended protocol every
 * statement up to a Sync runs in one implicit transaction, so the scope set by the first
 * (`set_config(..., true)`, local to the transaction) holds for the second and is gone at
 * the Sync, whatever happens; and after an error the server skips everything up to the
 * Sync, so the query never runs unless the scope was set first. pg answers the two
 * results as an array.
 */
class OrgScopedQuery extends Query {
  constructor(
    sql: string,
    parameters: unknown[] | undefined,
    private readonly orgId: string,
  ) {
    // Extended mode also for a query without parameters, which pg would send as a simple query.
    super({ text: sql, values: parameters, queryMode: 'extended' } as ConstructorParameters<typeof Query>[0]);
  }

  prepare(connection: Connection): void {
    connection.parse({ name: '', text: NARROW_SCOPE, types: [] }, true);
    connection.bind({ values: [this.orgId] }, true);
    connection.describe({ type: 'P', name: '' }, true);
    connection.execute({ portal: '' }, true);
    sendExtendedQuery.call(this, connection);
  }
}

/**
 * A handle whose every query sees (and may write) only the rows of one org, whatever
 * its WHERE clause says: each query narrows the scope for itself, in the same round trip
 * and transaction (OrgScopedQuery). For the reads made on behalf of one user, where a
 * missing org filter would show another org's data.
 */
export function orgScoped(db: DataSource, orgId: string): Queryable {
  // The system scope or an empty one is never one org's: refuse rather than widen.
  if (!orgId || orgId === SYSTEM_SCOPE) throw new Error(`not an org id: "${orgId}"`);
  const pool = (db.driver as PostgresDriver).master as Pool;
  return {
    query: <T>(sql: string, parameters?: unknown[]) =>
      timedQuery(db, async (): Promise<T> => {
        // pg-pool's query() also destroys the connection after any error instead of reusing it.
        const [narrowed, result] = (await pool.query(new OrgScopedQuery(sql, parameters, orgId))) as unknown as QueryResult[];
        if (narrowed?.rows[0]?.scope !== orgId) throw new Error('the org scope was not set: refusing the rows');
        // The shapes TypeORM's query() answers, which repositories expect of every Queryable.
        return (result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount] : result.rows) as T;
      }),
  };
}
