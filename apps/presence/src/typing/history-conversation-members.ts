import { Injectable } from '@nestjs/common';
import { Actor, ErrorCode, HistoryCommands, ParleyError } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { LruMap } from '@parley/service-runtime';
import { ConversationMembers } from '../sessions/presence-ports';

/** How long a member list (or a refusal) is trusted without asking again; member changes also arrive as events. */
export const MEMBERS_TTL_MS = 60_000;
const CACHED_CONVERSATIONS = 20_000;

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Conversation members for typing checks, from the history service (`conversation.get` as the
 * typist, which refuses non-members), cached so a burst of typing costs one request per
 * conversation a minute. `conversation.changed` events keep cached lists exact in between.
 */
@Injectable()
export class HistoryConversationMembers extends ConversationMembers {
  private readonly members = new LruMap<string, Cached<readonly string[]>>(CACHED_CONVERSATIONS);
  private readonly refused = new LruMap<string, Cached<true>>(CACHED_CONVERSATIONS);
  private readonly inFlight = new Map<string, Promise<readonly string[] | null>>();

  constructor(private readonly bus: NatsBus) {
    super();
  }

  async membersOf(actor: Actor, conversationId: string): Promise<readonly string[] | null> {
    const now = Date.now();
    const cached = this.members.get(conversationId);
    if (cached && cached.expiresAt > now) return cached.value.includes(actor.userId) ? cached.value : null;
    const refusalKey = `${actor.userId}\u0000${conversationId}`;
    const refusal = this.refused.get(refusalKey);
    if (refusal && refusal.expiresAt > now) return null;

    let lookup = this.inFlight.get(refusalKey);
    if (!lookup) {
      lookup = this.lookup(actor, conversationId, refusalKey).finally(() => this.inFlight.delete(refusalKey));
      this.inFlight.set(refusalKey, lookup);
    }
    return lookup;
  }

  /** A conversation's members changed (from `conversation.changed`): refresh a cached list, forget refusals of members. */
  changed(conversationId: string, memberIds: readonly string[]): void {
    if (this.members.get(conversationId)) this.members.set(conversationId, { value: memberIds, expiresAt: Date.now() + MEMBERS_TTL_MS });
    for (const userId of memberIds) this.refused.delete(`${userId}\u0000${conversationId}`);
  }

  private async lookup(actor: Actor, conversationId: string, refusalKey: string): Promise<readonly string[] | null> {
    try {
      const { conversation } = await this.bus.request(HistoryCommands.conversationGet, { actor, input: { conversationId } });
      this.members.set(conversationId, { value: conversation.memberIds, expiresAt: Date.now() + MEMBERS_TTL_MS });
      return conversation.memberIds;
    } catch (err) {
      if (!(err instanceof ParleyError) || (err.code !== ErrorCode.FORBIDDEN && err.code !== ErrorCode.NOT_FOUND)) throw err;
      this.refused.set(refusalKey, { value: true, expiresAt: Date.now() + MEMBERS_TTL_MS });
      return null;
    }
  }
}
