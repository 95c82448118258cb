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
    const page = this.messages.page(input.conversationId, {
      beforeSeq: input.beforeSeq,
      afterSeq: input.afterSeq,
      limit: input.limit ?? DEFAULT_PAGE_LIMIT,
    });
    return this.access.readAsMember(actor, input.conversationId, page);
  }
}
