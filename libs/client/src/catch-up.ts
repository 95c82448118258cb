import type { Conversation, Message } from '@parley/contracts';
import { asError, BACKGROUND_RETRY_MS, Link } from './call';
import { ParleyClientError } from './errors';
import { HistoryPage, isHistoryPage, isSyncAnswer, SyncAnswer } from './payload-guards';
import { Sequencer } from './sequencer';
import type { ClientSocket } from './socket';

export interface CatchUpOptions {
  syncLimit: number;
  gapFillDelayMs: number;
  /** While connected, sync again this long after the last catch-up (0: never). */
  resyncIntervalMs: number;
  /** Hands messages to the app (never empty, ascending, each seq once). */
  deliver(conversationId: string, messages: Message[]): void;
  /** The highest seq the server acked as delivered by this device this run (its pointer is there). */
  pointerAt(conversationId: string): number;
  /** A catch-up after a connect finished: the client is up to date. */
  caughtUp(): void;
}

const MAX_HISTORY_PAGE = 100;
/** The server's bound on `since` entries (MAX_SYNC_CURSORS in the contracts). */
const MAX_SYNC_CURSORS = 2000;

/**
 * Everything between "a message arrived" and "the app got it": the sequencer, the `sync`
 * catch-up (after each connect, and for a conversation without a cursor), and gap fills with
 * `history.fetch`.
 */
export class CatchUp {
  readonly sequencer: Sequencer;
  private syncRunning = false;
  private syncRequested = false;
  /** Catch-up rounds started so far (each round may page several times). */
  private syncRounds = 0;
  /** Conversations without a baseline that hold messages: the round count when the first arrived. */
  private readonly unknownSince = new Map<string, number>();
  private readonly gapTimers = new Map<string, unknown>();
  private readonly gapFills = new Set<string>();
  private retryTimer?: unknown;
  private resyncTimer?: unknown;
  private closed = false;

  constructor(
    private readonly link: Link,
    private readonly options: CatchUpOptions,
    cursors?: Record<string, number>,
  ) {
    this.sequencer = new Sequencer(cursors);
  }

  /** Every message from every path comes through here. */
  ingest(conversationId: string, messages: Message[]): void {
    if (!this.sequencer.isKnown(conversationId)) {
      // No baseline: hold them until a catch-up round, started after they arrived, says where this device resumes.
      this.sequencer.accept(conversationId, messages);
      if (!this.unknownSince.has(conversationId)) this.unknownSince.set(conversationId, this.syncRounds);
      this.requestSync();
      return;
    }
    this.deliver(conversationId, this.sequencer.accept(conversationId, messages));
    if (this.sequencer.gap(conversationId)) this.scheduleGapFill(conversationId, this.options.gapFillDelayMs);
  }

  /** A conversation without messages has a known baseline, 0: no sync needed to start delivering it. */
  learn(conversation: Conversation): void {
    if (conversation.lastSeq !== 0 || this.sequencer.isKnown(conversation.id)) return;
    this.unknownSince.delete(conversation.id);
    this.deliver(conversation.id, this.sequencer.setBaseline(conversation.id, 0));
  }

  requestSync(): void {
    this.syncRequested = true;
    const socket = this.link.live();
    if (!this.syncRunning && socket) void this.runSync(socket);
  }

  /** The connection dropped: pending gap fills wait for the catch-up after the reconnect, which covers them. */
  connectionLost(): void {
    for (const timer of this.gapTimers.values()) this.link.clock.clearTimeout(timer);
    this.gapTimers.clear();
    if (this.resyncTimer !== undefined) this.link.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
  }

  close(): void {
    this.closed = true;
    this.connectionLost();
    if (this.retryTimer !== undefined) this.link.clock.clearTimeout(this.retryTimer);
  }

  private deliver(conversationId: string, messages: Message[]): void {
    if (messages.length > 0) this.options.deliver(conversationId, messages);
  }

  private async runSync(socket: ClientSocket): Promise<void> {
    this.syncRunning = true;
    try {
      while (this.syncRequested && this.link.live() === socket) {
        this.syncRequested = false;
        await this.syncRound(socket, ++this.syncRounds);
      }
    } catch (err) {
      // A lost connection syncs again on the next connect; anything else is retried shortly.
      this.syncRequested = true;
      if (this.link.live() === socket && !this.closed) {
        this.link.error(asError(err));
        const wait = Math.max(BACKGROUND_RETRY_MS, (err instanceof ParleyClientError && err.retryAfterMs) || 0);
        this.retryTimer = this.link.clock.setTimeout(() => {
          this.retryTimer = undefined;
          this.requestSync();
        }, wait);
      }
      return;
    } finally {
      this.syncRunning = false;
    }
    if (this.link.live() !== socket) return;
    for (const gap of this.sequencer.gaps()) this.scheduleGapFill(gap.conversationId, 0);
    this.scheduleResync();
    this.options.caughtUp();
  }

  /**
   * Live delivery is best effort on the server: a message.new that never comes is noticed by
   * the next one (a gap), except for the last message of a conversation. A sync now and then
   * bounds how long that one can stay unseen on a connection that stays up.
   */
  private scheduleResync(): void {
    if (this.options.resyncIntervalMs <= 0 || this.closed) return;
    if (this.resyncTimer !== undefined) this.link.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = this.link.clock.setTimeout(() => {
      this.resyncTimer = undefined;
      this.requestSync();
    }, this.options.resyncIntervalMs);
  }

  /** Pages through `sync` until nothing more is waiting, merging every page. */
  private async syncRound(socket: ClientSocket, round: number): Promise<void> {
    const answered = new Set<string>();
    for (;;) {
      const since = this.sinceCursors();
      const request = Object.keys(since).length > 0 ? { since, limit: this.options.syncLimit } : { limit: this.options.syncLimit };
      const answer = await this.link.call<SyncAnswer>(socket, 'sync', request);
      if (!isSyncAnswer(answer)) throw new ParleyClientError('INTERNAL', 'malformed sync answer');
      let more = answer.hasMore === true;
      let progressed = false;
      for (const update of answer.updates) {
        if (update.messages.length === 0) continue;
        progressed = true;
        answered.add(update.conversationId);
        const messages = [...update.messages].sort((a, b) => a.seq - b.seq);
        if (!this.sequencer.isKnown(update.conversationId)) {
          // Not in `since`: the server answered from this device's pointer, so what precedes the first message was delivered before.
          this.unknownSince.delete(update.conversationId);
          this.deliver(update.conversationId, this.sequencer.setBaseline(update.conversationId, messages[0].seq - 1));
        }
        this.deliver(update.conversationId, this.sequencer.accept(update.conversationId, messages));
        more ||= update.hasMore;
      }
      if (!more) break;
      if (!progressed) throw new ParleyClientError('INTERNAL', 'sync answered hasMore without any message');
    }
    for (const conversationId of this.sequencer.unknownWithHeld()) {
      if (answered.has(conversationId)) continue;
      if ((this.unknownSince.get(conversationId) ?? round) < round) {
        // This round read after they were stored and returned nothing: they are at or below this
        // device's pointer, i.e. delivered in an earlier run. The next message asks again.
        this.sequencer.dropHeld(conversationId);
        this.unknownSince.delete(conversationId);
      } else {
        this.syncRequested = true;
      }
    }
  }

  /**
   * The cursors to sync from: only those ahead of this device's pointer on the server (where a
   * receipt was acked, the pointer says the same). Dropping the rest keeps the request small and
   * under the server's bound; an answer from a pointer behind the cursor would only repeat
   * messages the sequencer drops anyway.
   */
  private sinceCursors(): Record<string, number> {
    const since: Record<string, number> = {};
    let count = 0;
    for (const [conversationId, seq] of Object.entries(this.sequencer.cursors())) {
      if (count >= MAX_SYNC_CURSORS) break;
      if (seq <= this.options.pointerAt(conversationId)) continue;
      since[conversationId] = seq;
      count++;
    }
    return since;
  }

  private scheduleGapFill(conversationId: string, delayMs: number): void {
    if (this.gapTimers.has(conversationId) || this.gapFills.has(conversationId) || this.closed) return;
    const timer = this.link.clock.setTimeout(() => {
      this.gapTimers.delete(conversationId);
      void this.fillGap(conversationId);
    }, delayMs);
    this.gapTimers.set(conversationId, timer);
  }

  /** Fetches the missing range of a conversation with history.fetch until the held messages connect. */
  private async fillGap(conversationId: string): Promise<void> {
    const socket = this.link.live();
    // While a catch-up runs it fills gaps itself and checks for any left when it ends.
    if (!socket || this.syncRunning) return;
    this.gapFills.add(conversationId);
    let retry = false;
    try {
      for (let gap = this.sequencer.gap(conversationId); gap; gap = this.sequencer.gap(conversationId)) {
        const limit = Math.min(MAX_HISTORY_PAGE, gap.beforeSeq - gap.afterSeq - 1);
        const page = await this.link.call<HistoryPage>(socket, 'history.fetch', { conversationId, afterSeq: gap.afterSeq, limit });
        if (!isHistoryPage(page)) throw new ParleyClientError('INTERNAL', 'malformed history.fetch answer');
        const before = this.sequencer.cursor(conversationId);
        this.deliver(conversationId, this.sequencer.accept(conversationId, page.messages));
        if (this.sequencer.cursor(conversationId) === before) throw new ParleyClientError('INTERNAL', `history.fetch did not return seq ${gap.afterSeq + 1}`);
      }
    } catch (err) {
      // A lost connection needs nothing here: the catch-up after the reconnect covers the gap.
      retry = this.link.live() === socket;
      if (retry) this.link.error(asError(err));
    } finally {
      this.gapFills.delete(conversationId);
    }
    if (retry) this.scheduleGapFill(conversationId, BACKGROUND_RETRY_MS);
  }
}
