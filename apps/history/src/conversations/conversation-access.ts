import { Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError } from '@parley/contracts';
import { orgScoped, Queryable, ShardedDatabase } from '@parley/store';
import { ConversationReadRepository } from './conversation-read.repository';

/**
 * The access rule for reads: a conversation id that is malformed, unknown or of
 * another org is NOT_FOUND (its existence is not revealed); a conversation of the
 * caller's org that the caller is not a member of is FORBIDDEN.
 */
@Injectable()
export class ConversationAccess {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly conversations: ConversationReadRepository,
  ) {}

  /** The conversation's database, scoped to the actor's org: row-level security backs this check up on every later read. */
  async requireMember(actor: Actor, conversationId: string): Promise<Queryable> {
    const shard = this.db.forConversation(conversationId);
    if (!shard) throw notFound();
    const scoped = orgScoped(shard, actor.orgId);
    const access = await this.conversations.access(scoped, conversationId, actor.userId);
    if (!access || access.org_id !== actor.orgId) throw notFound();
    if (!access.is_member) throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member of this conversation');
    return scoped;
  }
}

function notFound(): ParleyError {
  return new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
}
