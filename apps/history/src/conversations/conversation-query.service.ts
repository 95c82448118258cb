import { Injectable } from '@nestjs/common';
import { Actor, Conversation, ConversationListInput, ConversationSummary, DEFAULT_PAGE_LIMIT, ErrorCode, ParleyError } from '@parley/contracts';
import { orgScoped, ShardedDatabase } from '@parley/store';
import { ConversationAccess } from './conversation-access';
import { ConversationReadRepository } from './conversation-read.repository';

/** Conversation lists across every shard an org spans, merged newest activity first. */
@Injectable()
export class ConversationQueryService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly conversations: ConversationReadRepository,
    private readonly access: ConversationAccess,
  ) {}

  async listForUser(actor: Actor, input: ConversationListInput): Promise<Conversation[]> {
    const limit = input.limit ?? DEFAULT_PAGE_LIMIT;
    const pages = await Promise.all(
      this.databasesOf(actor.orgId).map(({ dataSource }) => this.conversations.listForUser(orgScoped(dataSource, actor.orgId), actor.orgId, actor.userId, limit)),
    );
    return newestFirst(pages.flat(), limit).map((c) => c.conversation);
  }

  async getForUser(actor: Actor, conversationId: string): Promise<Conversation> {
    const shard = await this.access.requireMember(actor, conversationId);
    const conversation = await this.conversations.getForUser(shard, conversationId, actor.userId);
    if (!conversation) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
    return conversation;
  }

  async listForOrg(orgId: string, limit = 1000): Promise<ConversationSummary[]> {
    const pages = await Promise.all(
      this.databasesOf(orgId).map(({ dataSource }) => this.conversations.listForOrg(orgScoped(dataSource, orgId), orgId, limit)),
    );
    return newestFirst(pages.flat(), limit).map((c) => c.conversation);
  }

  private databasesOf(orgId: string) {
    const databases = this.db.databasesForOrg(orgId);
    if (!databases) throw new ParleyError(ErrorCode.NOT_FOUND, 'org not found');
    return databases;
  }
}

function newestFirst<T extends { lastActivityAt: Date; conversation: { id: string } }>(items: T[], limit: number): T[] {
  return items
    .sort((a, b) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime() || a.conversation.id.localeCompare(b.conversation.id))
    .slice(0, limit);
}
