import { Injectable } from '@nestjs/common';
import { Actor, HistoryCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ConversationMembership } from '../ports/conversation-membership';

/** Membership as the history service answers `conversation.get` for the actor (FORBIDDEN / NOT_FOUND otherwise). */
@Injectable()
export class HistoryConversationMembership extends ConversationMembership {
  constructor(private readonly bus: NatsBus) {
    super();
  }

  async requireMember(actor: Actor, conversationId: string): Promise<void> {
    await this.bus.request(HistoryCommands.conversationGet, { actor, input: { conversationId } });
  }
}
