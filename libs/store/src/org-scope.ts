import { DataSource } from 'typeorm';

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

/**
 * A handle whose every query sees (and may write) only the rows of one org, whatever
 * its WHERE clause says: each query runs in a transaction that narrows the scope with
 * SET LOCAL. For the reads made on behalf of one user, where a missing org filter
 * would show another org's data.
 */
export function orgScoped(db: DataSource, orgId: string): Queryable {
  return {
    query: (sql, parameters) =>
      db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('${ORG_SCOPE_SETTING}', $1, true)`, [orgId]);
        return tx.query(sql, parameters);
      }),
  };
}
