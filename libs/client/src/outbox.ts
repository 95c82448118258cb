import { Backoff, BackoffOptions } from './backoff';

/** A send the app asked for, kept until the server acked it or refused it for good. */
export interface PendingSend {
  conversationId: string;
  clientMsgId: string;
  body: string;
}

interface Entry extends PendingSend {
  state: 'queued' | 'sending';
  /** Counts the attempts; an outcome reported for an older attempt is ignored. */
  attempt: number;
  /** Not sent again before this time (ms, the client's clock): after a retryable error. */
  notBefore: number;
  retryDelay: Backoff;
}

export interface OutboxOptions {
  /** Sends of one conversation in flight at once (default 1: the server stores them in the order they were sent). */
  maxInFlightPerConversation: number;
  /** Delay between attempts after a retryable error answer. */
  retryBackoff: BackoffOptions;
  random: () => number;
}

export const DEFAULT_OUTBOX: OutboxOptions = { maxInFlightPerConversation: 1, retryBackoff: { baseMs: 100, maxMs: 5_000 }, random: Math.random };

/**
 * The outbox state machine, without I/O: queued → sending → (acked: gone | retry: queued
 * again, possibly after a delay | failed: gone). A send keeps its clientMsgId across every
 * attempt, so the server stores it once however many times it is tried.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: OutboxOptions = DEFAULT_OUTBOX) {}

  /** False when this clientMsgId is already waiting (the caller reuses that send). */
  add(send: PendingSend): boolean {
    if (this.entries.has(send.clientMsgId)) return false;
    this.entries.set(send.clientMsgId, {
      ...send,
      state: 'queued',
      attempt: 0,
      notBefore: 0,
      retryDelay: new Backoff(this.options.retryBackoff, this.options.random),
    });
    return true;
  }

  /**
   * Marks as sending, and returns, every send that may go now: queued, due, and within its
   * conversation's in-flight limit, oldest first (so a conversation's sends leave in order).
   */
  takeDue(now: number): Array<PendingSend & { attempt: number }> {
    const inFlight = new Map<string, number>();
    for (const e of this.entries.values()) if (e.state === 'sending') inFlight.set(e.conversationId, (inFlight.get(e.conversationId) ?? 0) + 1);
    const blocked = new Set<string>();
    const due: Array<PendingSend & { attempt: number }> = [];
    for (const e of this.entries.values()) {
      if (e.state !== 'queued' || blocked.has(e.conversationId)) continue;
      const busy = inFlight.get(e.conversationId) ?? 0;
      // A send waiting out its retry delay, or a full conversation, keeps the later sends behind it.
      if (busy >= this.options.maxInFlightPerConversation || e.notBefore > now) {
        blocked.add(e.conversationId);
        continue;
      }
      e.state = 'sending';
      e.attempt++;
      inFlight.set(e.conversationId, busy + 1);
      due.push({ conversationId: e.conversationId, clientMsgId: e.clientMsgId, body: e.body, attempt: e.attempt });
    }
    return due;
  }

  /** The server stored it: the send leaves the outbox. False for an outcome of a stale attempt. */
  acked(clientMsgId: string, attempt: number): boolean {
    if (!this.isCurrent(clientMsgId, attempt)) return false;
    this.entries.delete(clientMsgId);
    return true;
  }

  /** Refused for good (a non-retryable error): the send leaves the outbox. */
  failed(clientMsgId: string, attempt: number): boolean {
    return this.acked(clientMsgId, attempt);
  }

  /**
   * Try again: at once (`delayed` false: a timeout or a lost connection, where the next
   * connection is the wait) or after a growing, jittered delay (the server said busy/unavailable),
   * and never before `atLeastMs` (a RATE_LIMITED answer's retryAfterMs).
   */
  retry(clientMsgId: string, attempt: number, now: number, delayed: boolean, atLeastMs = 0): boolean {
    if (!this.isCurrent(clientMsgId, attempt)) return false;
    const e = this.entries.get(clientMsgId)!;
    e.state = 'queued';
    e.notBefore = delayed ? now + Math.max(e.retryDelay.next(), atLeastMs) : 0;
    return true;
  }

  /** The connection is gone: whatever was in flight goes back to the queue, due at once. */
  requeueInFlight(): void {
    for (const e of this.entries.values()) {
      if (e.state !== 'sending') continue;
      e.state = 'queued';
      e.notBefore = 0;
    }
  }

  /** The earliest time a delayed send becomes due (for the client's timer), if any is waiting. */
  nextDueAt(): number | undefined {
    let earliest: number | undefined;
    for (const e of this.entries.values()) if (e.state === 'queued' && e.notBefore > 0 && (earliest === undefined || e.notBefore < earliest)) earliest = e.notBefore;
    return earliest;
  }

  has(clientMsgId: string): boolean {
    return this.entries.has(clientMsgId);
  }

  get size(): number {
    return this.entries.size;
  }

  /** What is waiting, oldest first: an app can persist it and add it back after a restart. */
  pending(): PendingSend[] {
    return [...this.entries.values()].map(({ conversationId, clientMsgId, body }) => ({ conversationId, clientMsgId, body }));
  }

  /** Empties the outbox (the client is closing); returns what was waiting. */
  clear(): PendingSend[] {
    const all = this.pending();
    this.entries.clear();
    return all;
  }

  private isCurrent(clientMsgId: string, attempt: number): boolean {
    const e = this.entries.get(clientMsgId);
    return !!e && e.state === 'sending' && e.attempt === attempt;
  }
}
