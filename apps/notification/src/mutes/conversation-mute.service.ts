import { Injectable } from '@nestjs/common';
import { Actor, ConversationMuteInput, ErrorCode, MuteState, ParleyError } from '@parley/contracts';
import { ConversationMembership } from '../ports/conversation-membership';
import { ConversationMuteRepository } from './conversation-mute.repository';

/** Per-user mutes: a muted conversation pushes to none of the user's devices (sockets still get everything). */
@Injectable()
export class ConversationMuteService {
  constructor(
    private readonly mutes: ConversationMuteRepository,
    private readonly membership: ConversationMembership,
  ) {}

  async set(actor: Actor, input: ConversationMuteInput): Promise<MuteState> {
    await this.membership.requireMember(actor, input.conversationId);
    if (!input.muted) {
      await this.mutes.unmute(actor.userId, input.conversationId);
      return { conversationId: input.conversationId, muted: false };
    }
    const until = input.until ? new Date(input.until) : null;
    if (until && until.getTime() <= Date.now()) throw new ParleyError(ErrorCode.BAD_REQUEST, 'until must be in the future');
    await this.mutes.mute(actor.orgId, actor.userId, input.conversationId, until);
    return { conversationId: input.conversationId, muted: true, ...(until ? { until: until.toISOString() } : {}) };
  }

  list(actor: Actor): Promise<MuteState[]> {
    return this.mutes.list(actor.userId);
  }
}
