import { Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError } from '@parley/contracts';
import { orgScoped, ShardedDatabase, SqlRead } from '@parley/store';
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

  /**
   * The read, for a member only. The check and the read go to the conversation's database in
   * one round trip, scoped to the actor's org (row-level security backs the check up); the
   * read's answer is handed out only once the check passed.
   */
  async readAsMember<T>(actor: Actor, conversationId: string, read: SqlRead<T>): Promise<T> {
    const shard = this.db.forConversation(conversationId);
    if (!shard) throw notFound();
    const [access, answer] = await orgScoped(shard, actor.orgId).readAll([this.conversations.access(conversationId, actor.userId), read]);
    requireMember(access, actor);
    return answer;
  }
}

function requireMember(access: AccessRow | null, actor: Actor): void {
  if (!access || access.org_id !== actor.orgId) throw notFound();
  if (!access.is_member) throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member of this conversation');
}

function notFound(): ParleyError {
  return new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
}
