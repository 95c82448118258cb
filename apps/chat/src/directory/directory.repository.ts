import { Injectable } from '@nestjs/common';
import { Org, User } from '@parley/contracts';
import { ShardedDatabase } from '@parley/store';

interface OrgRow {
  id: string;
  name: string;
  shard_spread: number;
  created_at: Date;
}

interface UserRow {
  id: string;
  org_id: string;
  display_name: string;
  created_at: Date;
  deactivated_at: Date | null;
}

export interface UserStanding {
  id: string;
  orgId: string;
  active: boolean;
}

/** Orgs and users in the directory database. */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly db: ShardedDatabase) {}

  async insertOrg(org: { id: string; name: string; homeShard: number; shardSpread: number }): Promise<Org> {
    const rows: OrgRow[] = await this.db.directory.query(
      `INSERT INTO orgs (id, name, home_shard, shard_spread) VALUES ($1, $2, $3, $4)
       RETURNING id, name, shard_spread, created_at`,
      [org.id, org.name, org.homeShard, org.shardSpread],
    );
    return toOrg(rows[0]);
  }

  async findOrg(orgId: string): Promise<Org | null> {
    const rows: OrgRow[] = await this.db.directory.query('SELECT id, name, shard_spread, created_at FROM orgs WHERE id = $1', [orgId]);
    return rows[0] ? toOrg(rows[0]) : null;
  }

  /** Inserts the user only when its org exists; null means there is no such org. */
  async insertUser(user: { id: string; orgId: string; displayName: string }): Promise<User | null> {
    const rows: UserRow[] = await this.db.directory.query(
      `INSERT INTO users (id, org_id, display_name)
       SELECT $1, o.id, $3 FROM orgs o WHERE o.id = $2
       RETURNING id, org_id, display_name, created_at, deactivated_at`,
      [user.id, user.orgId, user.displayName],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findUser(orgId: string, userId: string): Promise<User | null> {
    const rows: UserRow[] = await this.db.directory.query(
      'SELECT id, org_id, display_name, created_at, deactivated_at FROM users WHERE id = $1 AND org_id = $2',
      [userId, orgId],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async listUsers(orgId: string): Promise<User[]> {
    const rows: UserRow[] = await this.db.directory.query(
      'SELECT id, org_id, display_name, created_at, deactivated_at FROM users WHERE org_id = $1 ORDER BY created_at, id',
      [orgId],
    );
    return rows.map(toUser);
  }

  /** Keeps the first deactivation time; false when the user is not in that org. */
  async deactivateUser(orgId: string, userId: string): Promise<boolean> {
    // TypeORM answers UPDATE and DELETE with [rows, affected].
    const [, affected]: [unknown[], number] = await this.db.directory.query(
      `UPDATE users SET deactivated_at = COALESCE(deactivated_at, now()) WHERE id = $1 AND org_id = $2`,
      [userId, orgId],
    );
    return affected > 0;
  }

  /** Org and activity of each given user that exists, in one query. */
  async standings(userIds: readonly string[]): Promise<UserStanding[]> {
    const rows: Array<{ id: string; org_id: string; active: boolean }> = await this.db.directory.query(
      'SELECT id, org_id, deactivated_at IS NULL AS active FROM users WHERE id = ANY($1::text[])',
      [userIds],
    );
    return rows.map((r) => ({ id: r.id, orgId: r.org_id, active: r.active }));
  }
}

function toOrg(row: OrgRow): Org {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), shardSpread: row.shard_spread };
}

function toUser(row: UserRow): User {
  const user: User = { id: row.id, orgId: row.org_id, displayName: row.display_name, createdAt: row.created_at.toISOString() };
  if (row.deactivated_at) user.deactivatedAt = row.deactivated_at.toISOString();
  return user;
}
