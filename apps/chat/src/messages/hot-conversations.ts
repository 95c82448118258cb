import { ConversationKind, Message } from '@parley/contracts';

/** How many recent messages a hot conversation keeps (retries of them are answered without a query). */
export const RECENT_MESSAGES = 30;

/** What the write path needs to know about a conversation, as loaded from its shard. */
export interface StoredConversationState {
  orgId: string;
  kind: ConversationKind;
  lastSeq: number;
  memberIds: string[];
  /** The newest messages, ascending seq, at most RECENT_MESSAGES. */
  recent: Message[];
}

export interface ConversationStateSource {
  /** null when no such conversation exists (including ids that route nowhere). */
  loadState(conversationId: string): Promise<StoredConversationState | null>;
}

/**
 * One conversation's write state on the node that owns it. Cheap to rebuild from
 * the database, so it is dropped and reloaded whenever it may be stale.
 */
export class ConversationState {
  readonly orgId: string;
  readonly kind: ConversationKind;
  private seq: number;
  private members: Set<string>;
  private readonly recent: Message[];

  constructor(stored: StoredConversationState) {
    this.orgId = stored.orgId;
    this.kind = stored.kind;
    this.seq = stored.lastSeq;
    this.members = new Set(stored.memberIds);
    this.recent = stored.recent.slice(-RECENT_MESSAGES);
  }

  get lastSeq(): number {
    return this.seq;
  }

  get memberIds(): string[] {
    return [...this.members];
  }

  isMember(userId: string): boolean {
    return this.members.has(userId);
  }

  setMembers(memberIds: readonly string[]): void {
    this.members = new Set(memberIds);
  }

  findRecent(senderId: string, clientMsgId: string): Message | undefined {
    return this.recent.find((m) => m.senderId === senderId && m.clientMsgId === clientMsgId);
  }

  /** Records committed messages (ascending seq, following lastSeq). */
  recordCommitted(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.seq = Math.max(this.seq, messages[messages.length - 1].seq);
    this.recent.push(...messages);
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT_MESSAGES));
  }
}

export interface HotConversationsOptions {
  /** Conversations kept in memory; the least recently used one goes first. */
  capacity: number;
  /**
   * A conversation untouched for this long is reloaded on its next use: meanwhile the
   * ring may have given it to another node, which may have changed its members.
   */
  idleReloadMs: number;
  now?: () => number;
}

export const DEFAULT_HOT_CONVERSATIONS: HotConversationsOptions = { capacity: 10_000, idleReloadMs: 30_000 };

interface Entry {
  state: ConversationState;
  touchedAt: number;
}

/** A bounded LRU of ConversationState, loaded from the database on first touch. */
export class HotConversations {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ConversationState | null>>();
  private readonly now: () => number;

  constructor(
    private readonly source: ConversationStateSource,
    private readonly options: HotConversationsOptions = DEFAULT_HOT_CONVERSATIONS,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The conversation's state, loading it when absent or idle too long; null when it does not exist. */
  async get(conversationId: string): Promise<ConversationState | null> {
    const entry = this.entries.get(conversationId);
    if (entry && this.now() - entry.touchedAt <= this.options.idleReloadMs) {
      entry.touchedAt = this.now();
      this.entries.delete(conversationId); // re-insert: Map order is the LRU order
      this.entries.set(conversationId, entry);
      return entry.state;
    }
    // Concurrent first touches share one load.
    const pending = this.loading.get(conversationId) ?? this.reload(conversationId);
    return pending;
  }

  /** Loads the state afresh from the database (after another writer was detected). */
  reload(conversationId: string): Promise<ConversationState | null> {
    const load = this.source
      .loadState(conversationId)
      .then((stored) => {
        // A load overtaken by forget() or a newer reload must not overwrite what came after it.
        const current = this.loading.get(conversationId) === load;
        if (!stored) {
          if (current) this.entries.delete(conversationId);
          return null;
        }
        const state = new ConversationState(stored);
        if (current) this.put(conversationId, state);
        return state;
      })
      .finally(() => {
        if (this.loading.get(conversationId) === load) this.loading.delete(conversationId);
      });
    this.loading.set(conversationId, load);
    return load;
  }

  /** The state if it is in memory, without loading or touching it. */
  peek(conversationId: string): ConversationState | undefined {
    return this.entries.get(conversationId)?.state;
  }

  /** Drops the state so the next use reloads it from the database. */
  forget(conversationId: string): void {
    this.entries.delete(conversationId);
    this.loading.delete(conversationId);
  }

  private put(conversationId: string, state: ConversationState): void {
    this.entries.delete(conversationId);
    this.entries.set(conversationId, { state, touchedAt: this.now() });
    while (this.entries.size > this.options.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
