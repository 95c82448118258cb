import { Injectable } from '@nestjs/common';
import { Actor, DEFAULT_PAGE_LIMIT, HistoryFetchInput, Message } from '@parley/contracts';
import { ConversationAccess, requireMembership } from '../conversations/conversation-access';
import { MessageReadRepository } from './message-read.repository';

@Injectable()
export class MessageHistoryService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly messages: MessageReadRepository,
  ) {}

  async fetch(actor: Actor, input: HistoryFetchInput): Promise<{ messages: Message[]; hasMore: boolean }> {
    // The access check and the page in one round trip: a reconnecting client's first read.
    const scoped = this.access.scopeFor(actor, input.conversationId);
    const { access, messages, hasMore } = await this.messages.readerPage(scoped, input.conversationId, actor.userId, {
      beforeSeq: input.beforeSeq,
      afterSeq: input.afterSeq,
      limit: input.limit ?? DEFAULT_PAGE_LIMIT,
    });
    requireMembership(actor, access);
    return { messages, hasMore };
  }
}
