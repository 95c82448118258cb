import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Actor, Conversation, ConversationCreateInput, ErrorCode, MAX_GROUP_MEMBERS, ParleyError } from '@parley/contracts';
import { newConversationId, OrgPlacement, orgPlacement } from '@parley/sharding';
import { ShardedDatabase } from '@parley/store';
import { ChatEventsPublisher } from '../events/chat-events.publisher';
import { ConversationRepository } from './conversation.repository';
import { changeOf, viewFor } from './conversation-view';
import { MemberEligibility } from './member-eligibility';

/**
 * Creates conversations. A direct conversation exists once per pair of users: its
 * shard follows from the pair, so creating it again finds the same one. A group
 * lands on a random shard of the org.
 */
@Injectable()
export class ConversationService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly conversations: ConversationRepository,
    private readonly eligibility: MemberEligibility,
    private readonly events: ChatEventsPublisher,
  ) {}

  async create(actor: Actor, input: ConversationCreateInput): Promise<Conversation> {
    const placement = this.placementOf(actor.orgId);
    const others = [...new Set(input.memberIds)].filter((id) => id !== actor.userId);
    if (input.kind === 'direct' && others.length !== 1) {
      throw new ParleyError(ErrorCode.BAD_REQUEST, 'a direct conversation has exactly one other member');
    }
    const memberIds = [actor.userId, ...others];
    if (memberIds.length > MAX_GROUP_MEMBERS) {
      throw new ParleyError(ErrorCode.BAD_REQUEST, `a conversation has at most ${MAX_GROUP_MEMBERS} members`);
    }
    // The creator is checked too: a deactivated user's token may still be live for a moment.
    await this.eligibility.requireActiveUsersOf(actor.orgId, memberIds);

    const { id, created } =
      input.kind === 'direct'
        ? await this.createDirect(actor, placement, others[0])
        : await this.createGroup(actor, placement, memberIds, input.title);
    const snapshot = await this.conversations.snapshot(id);
    if (!snapshot) throw new Error(`conversation ${id} vanished after its creation`);
    // Only a new conversation is news; asking again for an existing direct one changes nothing.
    if (created) this.events.conversationChanged(changeOf(snapshot), `conv:${id}:created`);
    return viewFor(snapshot, actor.userId);
  }

  /** A direct conversation has no title: it is named after the other user by clients. */
  private createDirect(actor: Actor, placement: OrgPlacement, otherId: string) {
    const directKey = [actor.userId, otherId].sort().join(':');
    const id = newConversationId(this.db.router.conversationShard(placement, directKey));
    return this.conversations.createDirect({ id, orgId: actor.orgId, directKey, memberIds: [actor.userId, otherId] });
  }

  private async createGroup(actor: Actor, placement: OrgPlacement, memberIds: string[], title?: string) {
    const id = newConversationId(this.db.router.conversationShard(placement, randomBytes(8).toString('hex')));
    await this.conversations.createGroup({ id, orgId: actor.orgId, title, memberIds });
    return { id, created: true };
  }

  private placementOf(orgId: string): OrgPlacement {
    const placement = orgPlacement(orgId);
    if (!placement || placement.homeShard >= this.db.router.logicalShards) throw new ParleyError(ErrorCode.NOT_FOUND, 'org not found');
    return placement;
  }
}
