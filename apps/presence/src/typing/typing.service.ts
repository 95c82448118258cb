import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Actor, TYPING_EXPIRY_MS, TypingInput } from '@parley/contracts';
import { PRESENCE_CONFIG, PresenceConfig } from '../presence.config';
import { ConversationMembers, PresenceNotifier } from '../sessions/presence-ports';

/** While someone keeps typing, `typing: true` is repeated this often, well inside the recipients' 6 s expiry. */
export const TYPING_REFRESH_MS = TYPING_EXPIRY_MS / 2;
const IDLE_SWEEP_MS = 60_000;

interface TypingState {
  userId: string;
  conversationId: string;
  /** The typist's latest wish and what recipients were last told. */
  wanted: boolean;
  shown: boolean;
  lastSentAt: number;
  recipientIds: readonly string[];
  /** A change that came too soon after the last notice waits for this timer. */
  trailing?: NodeJS.Timeout;
  /** Ends `typing: true` TYPING_EXPIRY_MS after the last one. */
  expiry?: NodeJS.Timeout;
}

/**
 * Typing indicators per (user, conversation). Only members' reports count. Recipients are told
 * about changes, at most PRESENCE_TYPING_MAX_PER_SECOND times a second (a change that comes too
 * soon is sent when the interval is over, so the last state always arrives), plus a refresh of
 * `true` every 3 s while reports keep coming. A `true` not repeated for 6 s ends with `false`.
 * A client that spams `typing` costs a map lookup per report.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  private readonly logger = new Logger(TypingService.name);
  private readonly states = new Map<string, TypingState>();
  private readonly minIntervalMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(PRESENCE_CONFIG) config: Pick<PresenceConfig, 'PRESENCE_TYPING_MAX_PER_SECOND'>,
    private readonly members: ConversationMembers,
    private readonly notifier: PresenceNotifier,
  ) {
    this.minIntervalMs = 1000 / config.PRESENCE_TYPING_MAX_PER_SECOND;
    this.sweeper = setInterval(() => this.forgetIdle(Date.now()), IDLE_SWEEP_MS).unref();
  }

  /** A member's report; a non-member's (or one whose membership cannot be checked now) is dropped. */
  async report(actor: Actor, input: TypingInput): Promise<void> {
    let memberIds: readonly string[] | null;
    try {
      memberIds = await this.members.membersOf(actor, input.conversationId);
    } catch (err) {
      this.logger.debug(`typing dropped, membership unknown: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!memberIds) return;
    const recipientIds = memberIds.filter((id) => id !== actor.userId);
    this.apply(actor.userId, input.conversationId, input.typing, recipientIds, Date.now());
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    for (const state of this.states.values()) {
      clearTimeout(state.trailing);
      clearTimeout(state.expiry);
    }
    this.states.clear();
  }

  private apply(userId: string, conversationId: string, typing: boolean, recipientIds: readonly string[], now: number): void {
    const key = `${userId}\u0000${conversationId}`;
    let state = this.states.get(key);
    if (!state) {
      state = { userId, conversationId, wanted: false, shown: false, lastSentAt: -Infinity, recipientIds };
      this.states.set(key, state);
    }
    state.wanted = typing;
    state.recipientIds = recipientIds;
    clearTimeout(state.expiry);
    state.expiry = undefined;
    if (typing) {
      const current = state;
      current.expiry = setTimeout(() => {
        current.expiry = undefined;
        current.wanted = false;
        this.flush(key, current, Date.now());
      }, TYPING_EXPIRY_MS);
    }
    this.flush(key, state, now);
  }

  private flush(key: string, state: TypingState, now: number): void {
    const due = state.wanted !== state.shown || (state.wanted && now - state.lastSentAt >= TYPING_REFRESH_MS);
    if (!due) return;
    const wait = state.lastSentAt + this.minIntervalMs - now;
    if (wait > 0) {
      state.trailing ??= setTimeout(() => {
        state.trailing = undefined;
        this.flush(key, state, Date.now());
      }, wait);
      return;
    }
    state.shown = state.wanted;
    state.lastSentAt = now;
    this.notifier.typingChanged({ conversationId: state.conversationId, userId: state.userId, typing: state.shown }, [...state.recipientIds]);
  }

  /** Drops pairs that show nothing and wait for nothing (kept until then so the rate limit holds). */
  private forgetIdle(now: number): void {
    for (const [key, state] of this.states) {
      if (!state.shown && !state.trailing && !state.expiry && now - state.lastSentAt >= this.minIntervalMs) this.states.delete(key);
    }
  }
}
