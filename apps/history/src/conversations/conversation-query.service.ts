import { Injectable } from '@nestjs/common';
import { Actor, Conversation, ConversationListInput, ConversationSummary, DEFAULT_PAGE_LIMIT, ErrorCode, ParleyError } from '@parley/contracts';
import { ShardedDatabase } from '@parley/store';
import { newestActivityFirst, orgDatabases } from '../org-databases';
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
      orgDatabases(this.db, actor.orgId).map((database) => this.conversations.listForUser(database, actor.orgId, actor.userId, limit)),
    );
    return newestFirst(pages.flat(), limit).map((c) => c.conversation);
  }

  async getForUser(actor: Actor, conversationId: string): Promise<Conversation> {
    const conversation = await this.access.readAsMember(actor, conversationId, this.conversations.getForUser(conversationId, actor.userId));
    if (!conversation) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
    return conversation;
  }

  async listForOrg(orgId: string, limit = 1000): Promise<ConversationSummary[]> {
    const pages = await Promise.all(
      orgDatabases(this.db, orgId).map((database) => this.conversations.listForOrg(database, orgId, limit)),
    );
    return newestFirst(pages.flat(), limit).map((c) => c.conversation);
  }
}

function newestFirst<T extends { lastActivityAt: Date; conversation: { id: string } }>(items: T[], limit: number): T[] {
  return newestActivityFirst(items, (item) => item.conversation.id).slice(0, limit);
}
