import { Actor } from '@parley/contracts';

/** Who may mute what: only a member, a conversation of its own org. */
export abstract class ConversationMembership {
  /** Throws FORBIDDEN or NOT_FOUND as the message store answers. */
  abstract requireMember(actor: Actor, conversationId: string): Promise<void>;
}
