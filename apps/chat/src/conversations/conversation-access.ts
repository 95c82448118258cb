import { Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError } from '@parley/contracts';
import { ConversationState, HotConversations } from '../messages/hot-conversations';

/**
 * The write-side access rule. A conversation id that is malformed, unknown or of
 * another org is NOT_FOUND (its existence is not revealed across orgs); a member of
 * the org who is not in the conversation gets FORBIDDEN.
 */
export function accessError(state: ConversationState | null, actor: Actor): ParleyError | null {
  if (!state || state.orgId !== actor.orgId) return new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  if (!state.isMember(actor.userId)) return new ParleyError(ErrorCode.FORBIDDEN, 'not a member of this conversation');
  return null;
}

@Injectable()
export class ConversationAccess {
  constructor(private readonly hot: HotConversations) {}

  async requireMember(actor: Actor, conversationId: string): Promise<ConversationState> {
    const state = await this.hot.get(conversationId);
    const denied = accessError(state, actor);
    if (denied) throw denied;
    return state!;
  }
}
