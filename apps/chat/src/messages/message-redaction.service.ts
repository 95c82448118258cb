import { Injectable } from '@nestjs/common';
import { ErrorCode, ParleyError } from '@parley/contracts';
import { ChatEventsPublisher } from '../events/chat-events.publisher';
import { HotConversations } from './hot-conversations';
import { MessageWriteRepository } from './message-write.repository';

/**
 * Operator redaction, on the node that owns the conversation. The body goes from the
 * store, then the hot state is dropped: its recent messages still hold the body, and
 * a retried send would otherwise be answered with it. Members are told once.
 */
@Injectable()
export class MessageRedactionService {
  constructor(
    private readonly hot: HotConversations,
    private readonly store: MessageWriteRepository,
    private readonly events: ChatEventsPublisher,
  ) {}

  async redact(conversationId: string, seq: number): Promise<void> {
    const state = await this.hot.get(conversationId);
    if (!state) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
    const outcome = await this.store.redact(conversationId, seq);
    if (outcome === 'missing') throw new ParleyError(ErrorCode.NOT_FOUND, 'message not found');
    this.hot.forget(conversationId);
    if (outcome === 'redacted') this.events.messageRedacted({ orgId: state.orgId, conversationId, seq, memberIds: state.memberIds });
  }
}
