import { Injectable } from '@nestjs/common';
import { Actor, DEFAULT_PAGE_LIMIT, HistoryFetchInput, Message } from '@parley/contracts';
import { ConversationAccess } from '../conversations/conversation-access';
import { MessageReadRepository } from './message-read.repository';

@Injectable()
export class MessageHistoryService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly messages: MessageReadRepository,
  ) {}

  async fetch(actor: Actor, input: HistoryFetchInput): Promise<{ messages: Message[]; hasMore: boolean }> {
    const shard = await this.access.requireMember(actor, input.conversationId);
    return this.messages.page(shard, input.conversationId, {
      beforeSeq: input.beforeSeq,
      afterSeq: input.afterSeq,
      limit: input.limit ?? DEFAULT_PAGE_LIMIT,
    });
  }
}
