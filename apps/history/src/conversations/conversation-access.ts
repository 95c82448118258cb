import { Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError } from '@parley/contracts';
import { orgScoped, Queryable, ShardedDatabase } from '@parley/store';
import { AccessRow, ConversationReadRepository } from './conversation-read.repository';

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
    const scoped = this.scopeFor(actor, conversationId);
    requireMembership(actor, await this.conversations.access(scoped, conversationId, actor.userId));
    return scoped;
  }

  /**
   * The conversation's database scoped to the actor's org, for a read that fetches the
   * access row (ACCESS_QUERY) in its own round trip; its caller applies requireMembership.
   */
  scopeFor(actor: Actor, conversationId: string): Queryable {
    const shard = this.db.forConversation(conversationId);
    if (!shard) throw notFound();
    return orgScoped(shard, actor.orgId);
  }
}

/** The rule on the access row: none (or another org's) is NOT_FOUND, a non-member FORBIDDEN. */
export function requireMembership(actor: Actor, access: AccessRow | null): void {
  if (!access || access.org_id !== actor.orgId) throw notFound();
  if (!access.is_member) throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member of this conversation');
}

function notFound(): ParleyError {
  return new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
}
