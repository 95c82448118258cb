import { ErrorCode, ParleyError } from '@parley/contracts';
import { orgScoped, Queryable, ShardedDatabase } from '@parley/store';

/**
 * Every database an org's conversations may live in, each scoped to that org (row-level
 * security backs the queries up); NOT_FOUND for an id that is no org of ours.
 */
export function orgDatabases(db: ShardedDatabase, orgId: string): Queryable[] {
  const databases = db.databasesForOrg(orgId);
  if (!databases) throw new ParleyError(ErrorCode.NOT_FOUND, 'org not found');
  return databases.map(({ dataSource }) => orgScoped(dataSource, orgId));
}

/** The one order of merged per-database answers: newest activity first, then conversation id. */
export function newestActivityFirst<T extends { lastActivityAt: Date }>(items: T[], conversationIdOf: (item: T) => string): T[] {
  return items.sort((a, b) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime() || conversationIdOf(a).localeCompare(conversationIdOf(b)));
}
