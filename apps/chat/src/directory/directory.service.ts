import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ErrorCode, Org, ParleyError, User } from '@parley/contracts';
import { newOrgId, newUserId } from '@parley/sharding';
import { ShardedDatabase } from '@parley/store';
import { ChatEventsPublisher } from '../events/chat-events.publisher';
import { DirectoryRepository } from './directory.repository';

/** Orgs and their users. An org's id carries its shard placement, decided once here. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly directory: DirectoryRepository,
    private readonly events: ChatEventsPublisher,
  ) {}

  createOrg(name: string, shardSpread = 1): Promise<Org> {
    // A random key spreads orgs evenly over the logical shards.
    const placement = this.db.router.placeOrg(randomBytes(16).toString('hex'), shardSpread);
    return this.directory.insertOrg({ id: newOrgId(placement), name, ...placement });
  }

  async getOrg(orgId: string): Promise<Org> {
    return (await this.directory.findOrg(orgId)) ?? throwNotFound('org');
  }

  async createUser(orgId: string, displayName: string): Promise<User> {
    return (await this.directory.insertUser({ id: newUserId(), orgId, displayName })) ?? throwNotFound('org');
  }

  async getUser(orgId: string, userId: string): Promise<User> {
    return (await this.directory.findUser(orgId, userId)) ?? throwNotFound('user');
  }

  /** The ids of the users that exist in the org given with them and are active, in one query. */
  async activeUserIds(users: ReadonlyArray<{ orgId: string; userId: string }>): Promise<string[]> {
    const standings = new Map((await this.directory.standings(users.map((u) => u.userId))).map((s) => [s.id, s]));
    return users
      .filter(({ orgId, userId }) => {
        const standing = standings.get(userId);
        return standing !== undefined && standing.active && standing.orgId === orgId;
      })
      .map((u) => u.userId);
  }

  async listUsers(orgId: string): Promise<User[]> {
    const users = await this.directory.listUsers(orgId);
    // An empty list must still tell an unknown org from an org without users.
    if (users.length === 0 && !(await this.directory.findOrg(orgId))) throwNotFound('org');
    return users;
  }

  /** Gateways learn it from the event: they close the user's sockets and refuse its tokens. */
  async deactivateUser(orgId: string, userId: string): Promise<void> {
    if (!(await this.directory.deactivateUser(orgId, userId))) throwNotFound('user');
    this.events.userDeactivated(orgId, userId);
  }
}

function throwNotFound(what: 'org' | 'user'): never {
  throw new ParleyError(ErrorCode.NOT_FOUND, `${what} not found`);
}
