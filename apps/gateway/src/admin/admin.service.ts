import { Injectable } from '@nestjs/common';
import { ChatNodeCommands, DirectoryCommands, ErrorCode, HistoryCommands, ParleyError, RequestOf } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ActiveUsers } from '../auth/active-users';
import { IssuedToken, TokenIssuer } from '../auth/token-issuer';
import { ChatNodeMembership } from '../routing/chat-node-membership';
import { ChatRouter } from '../routing/chat-router';
import { ConnectionRegistry } from '../ws/connection-registry';

/** Operator actions: the directory (served by chat nodes), tokens, and what history and this gateway know. */
@Injectable()
export class AdminService {
  constructor(
    private readonly bus: NatsBus,
    private readonly tokens: TokenIssuer,
    private readonly registry: ConnectionRegistry,
    private readonly membership: ChatNodeMembership,
    private readonly activeUsers: ActiveUsers,
    private readonly router: ChatRouter,
  ) {}

  createOrg(input: RequestOf<typeof DirectoryCommands.orgCreate>) {
    return this.bus.request(DirectoryCommands.orgCreate, input);
  }

  getOrg(orgId: string) {
    return this.bus.request(DirectoryCommands.orgGet, { orgId });
  }

  createUser(orgId: string, displayName: string) {
    return this.bus.request(DirectoryCommands.userCreate, { orgId, displayName });
  }

  listUsers(orgId: string) {
    return this.bus.request(DirectoryCommands.userList, { orgId });
  }

  /**
   * Deactivates the user in the directory and closes its sockets here at once; other
   * gateways do the same when the directory's UserDeactivated event reaches them.
   */
  async deactivateUser(orgId: string, userId: string): Promise<void> {
    await this.bus.request(DirectoryCommands.userDeactivate, { orgId, userId });
    this.activeUsers.markDeactivated(userId);
    this.registry.disconnectUser(userId);
  }

  /** Only an existing, active user gets a token. */
  async issueToken(orgId: string, userId: string, ttlSeconds?: number): Promise<IssuedToken> {
    const user = await this.bus.request(DirectoryCommands.userGet, { orgId, userId });
    if (user.deactivatedAt) throw new ParleyError(ErrorCode.NOT_FOUND, 'user not found');
    return this.tokens.issue({ userId: user.id, orgId: user.orgId }, ttlSeconds);
  }

  orgConversations(orgId: string) {
    return this.bus.request(HistoryCommands.orgConversations, { orgId });
  }

  /** Runs on the conversation's owner, which also drops the body from its hot cache. */
  async redactMessage(conversationId: string, seq: number): Promise<void> {
    await this.router.send(ChatNodeCommands.messageRedact, conversationId, { conversationId, seq });
  }

  shards() {
    return this.bus.request(HistoryCommands.shardStatus, {});
  }

  /** The chat nodes in this gateway's ring and, for a conversation, the one that owns it. */
  chatNodes(conversationId?: string) {
    const nodes = this.membership.nodes;
    return conversationId === undefined ? { nodes } : { nodes, owner: this.membership.owner(conversationId) };
  }

  /** The connections held by this gateway (one entry per socket). */
  sessions(userId?: string) {
    return { sessions: this.registry.sessions(userId) };
  }
}
