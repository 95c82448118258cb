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
const NARROW_SCOPE: SqlStatement = { sql: `SELECT set_config('${ORG_SCOPE_SETTING}', $1, true) AS scope`, name: 'parley_narrow_scope' };

/** What pg's Query does in extended mode (Parse, Bind, Describe, Execute, Sync), which its typings leave out. */
const sendExtendedQuery = (Query.prototype as unknown as { prepare(this: Query, connection: Connection): void }).prepare;
/** How pg maps a JavaScript value to a statement parameter (Dates, arrays, Buffers, null). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

/** One statement and its parameters. */
export interface SqlStatement {
  sql: string;
  parameters?: unknown[];
  /**
   * Makes it a prepared statement of each connection, parsed and planned once there instead of on
   * every call: for a statement whose text never changes and whose best plan does not depend on
   * its values (after five calls Postgres may keep one generic plan), e.g. a lookup by primary key.
   */
  name?: string;
}

/**
 * A read that can go alone or in one round trip with others (`OrgScopedQueryable.readAll`):
 * its statement, and how its rows become the answer.
 */
export interface SqlRead<T> extends SqlStatement {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  answer(rows: any[]): T;
}

/**
 * All the statements in one round trip and one transaction. In the extended protocol every
 * statement up to a Sync runs in one implicit transaction, so the scope set by the first
 * (`set_config(..., true)`, local to the transaction) holds for the others and is gone at
 * the Sync, whatever happens; and after an error the server skips everything up to the
 * Sync, so no statement runs unless the scope was set first, and none after one that failed.
 * pg answers the results as an array, the scope's first.
 */
class OrgScopedQuery extends Query {
  private readonly leading: SqlStatement[];

  constructor(statements: readonly SqlStatement[], orgId: string) {
    const last = statements[statements.length - 1];
    // Extended mode also for a query without parameters, which pg would send as a simple query.
    super({ text: last.sql, name: last.name, values: last.parameters, queryMode: 'extended' } as ConstructorParameters<typeof Query>[0]);
    this.leading = [{ ...NARROW_SCOPE, parameters: [orgId] }, ...statements.slice(0, -1)];
  }

  prepare(connection: Connection): void {
    // pg's record of the connection's prepared statements, which its own Query keeps the same way.
    const parsed = (connection as unknown as { parsedStatements: Record<string, string> }).parsedStatements;
    for (const { sql, parameters, name = '' } of this.leading) {
      // Recorded when sent: after any error pg-pool's query() destroys the connection, record and all.
      if (!name || parsed[name] !== sql) connection.parse({ name, text: sql, types: [] }, true);
      if (name) parsed[name] = sql;
      connection.bind({ statement: name, values: parameters ?? [], valueMapper: prepareValue } as Parameters<Connection['bind']>[0], true);
      connection.describe({ type: 'P', name: '' }, true);
      connection.execute({ portal: '' }, true);
    }
    sendExtendedQuery.call(this, connection);
  }
}

/** A handle scoped to one org (orgScoped). */
export interface OrgScopedQueryable extends Queryable {
  /**
   * Reads in one round trip and one transaction, in order: a read runs only if the ones
   * before it succeeded. For a check and the read it guards (an access check, then a page).
   */
  readAll<A, B>(reads: readonly [SqlRead<A>, SqlRead<B>]): Promise<[A, B]>;
}

/**
 * A handle whose every query sees (and may write) only the rows of one org, whatever
 * its WHERE clause says: each query narrows the scope for itself, in the same round trip
 * and transaction (OrgScopedQuery). For the reads made on behalf of one user, where a
 * missing org filter would show another org's data.
 */
export function orgScoped(db: DataSource, orgId: string): OrgScopedQueryable {
  // The system scope or an empty one is never one org's: refuse rather than widen.
  if (!orgId || orgId === SYSTEM_SCOPE) throw new Error(`not an org id: "${orgId}"`);
  const pool = (db.driver as PostgresDriver).master as Pool;
  const run = (statements: readonly SqlStatement[]): Promise<QueryResult[]> =>
    timedQuery(db, async () => {
      // pg-pool's query() also destroys the connection after any error instead of reusing it.
      const [narrowed, ...results] = (await pool.query(new OrgScopedQuery(statements, orgId))) as unknown as QueryResult[];
      if (narrowed?.rows[0]?.scope !== orgId) throw new Error('the org scope was not set: refusing the rows');
      return results;
    });
  return {
    query: async <T>(sql: string, parameters?: unknown[]) => {
      const [result] = await run([{ sql, parameters }]);
      // The shapes TypeORM's query() answers, which repositories expect of every Queryable.
      return (result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount] : result.rows) as T;
    },
    readAll: async <A, B>([first, second]: readonly [SqlRead<A>, SqlRead<B>]) => {
      const [a, b] = await run([first, second]);
      return [first.answer(a.rows), second.answer(b.rows)] as [A, B];
    },
  };
}
