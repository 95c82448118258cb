import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Actor, Conversation, ConversationMembersInput, ErrorCode, MAX_GROUP_MEMBERS, ParleyError } from '@parley/contracts';
import { ChatEventsPublisher } from '../events/chat-events.publisher';
import { ConversationState, HotConversations } from '../messages/hot-conversations';
import { ConversationAccess } from './conversation-access';
import { ConversationRepository } from './conversation.repository';
import { changeOf, ConversationSnapshot, viewFor } from './conversation-view';
import { MemberEligibility } from './member-eligibility';

/**
 * Group membership changes, served by the conversation's owner node so that its hot
 * member set stays exact. Any member may add users of the org, remove itself, and
 * also remove others: groups have no admins in v1, so the rule is kept symmetric.
 */
@Injectable()
export class MembershipService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationRepository,
    private readonly eligibility: MemberEligibility,
    private readonly hot: HotConversations,
    private readonly events: ChatEventsPublisher,
  ) {}

  async add(actor: Actor, input: ConversationMembersInput): Promise<Conversation> {
    const state = await this.requireGroupMember(actor, input.conversationId);
    const userIds = [...new Set(input.userIds)];
    await this.eligibility.requireActiveUsersOf(actor.orgId, userIds);
    const result = await this.conversations.addMembers(input.conversationId, state.orgId, userIds, MAX_GROUP_MEMBERS);
    if (result.kind === 'over-limit') throw new ParleyError(ErrorCode.BAD_REQUEST, `a conversation has at most ${MAX_GROUP_MEMBERS} members`);
    return this.settle(actor, input.conversationId, result.userIds.length > 0, []);
  }

  async remove(actor: Actor, input: ConversationMembersInput): Promise<Conversation> {
    await this.requireGroupMember(actor, input.conversationId);
    const removed = await this.conversations.removeMembers(input.conversationId, [...new Set(input.userIds)]);
    return this.settle(actor, input.conversationId, removed.length > 0, removed);
  }

  private async requireGroupMember(actor: Actor, conversationId: string): Promise<ConversationState> {
    const state = await this.access.requireMember(actor, conversationId);
    if (state.kind !== 'group') throw new ParleyError(ErrorCode.BAD_REQUEST, 'members can only be changed in a group');
    return state;
  }

  /** Refreshes the hot member set, tells the members (old and new) when anything changed, answers the caller. */
  private async settle(actor: Actor, conversationId: string, changed: boolean, removedIds: string[]): Promise<Conversation> {
    const snapshot: ConversationSnapshot | null = await this.conversations.snapshot(conversationId);
    if (!snapshot) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
    this.hot.peek(conversationId)?.setMembers(snapshot.conversation.memberIds);
    if (changed) this.events.conversationChanged(changeOf(snapshot, removedIds), `conv:${conversationId}:members:${randomBytes(8).toString('hex')}`);
    return viewFor(snapshot, actor.userId);
  }
}
