import type { Conversation, ConversationCreateInput, HistoryFetchInput, Message } from '@parley/contracts';
import { Backoff, BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { Clock, systemClock } from './clock';
import { TypedEmitter } from './emitter';
import { isRetryable, ParleyClientError } from './errors';
import { Outbox, PendingSend } from './outbox';
import {
  HistoryPage,
  isAckEnvelope,
  isHistoryPage,
  isMessage,
  isRecordWith,
  isSeq,
  isSyncAnswer,
  SyncAnswer,
} from './payload-guards';
import { PendingReceipt, ReceiptBatcher } from './receipt-batcher';
import { Sequencer } from './sequencer';
import { ClientSocket, openSocketIo, SocketFactory } from './socket';
import type { ConnectionState, ParleyClientEvents, Presence, ReceiptEvent, RedactedEvent, TypingEvent } from './types';

export interface ParleyClientOptions {
  /** The gateway, e.g. `https://chat.example.com`. */
  url: string;
  /** The user's JWT, or a function asked before every connection attempt (to refresh it). */
  token: string | (() => string | Promise<string>);
  /** A stable id of this device (1..64 chars): the server keeps this device's delivery pointer under it. */
  deviceId: string;
  /**
   * What the app already has: conversationId → highest seq it holds (persisted from `cursors()`).
   * Without it, the server's pointer of this device decides where each conversation resumes.
   */
  cursors?: Record<string, number>;
  /** Reconnection backoff (full jitter); defaults 250 ms base, 10 s ceiling. */
  backoff?: Partial<BackoffOptions>;
  /** Ack timeout of every call, sends included (default 10 s); a send that times out is retried. */
  requestTimeoutMs?: number;
  /** Delivered receipts are coalesced for this long (default 100 ms). */
  receiptDelayMs?: number;
  /** How long a gap may stand before history.fetch fills it (default 50 ms: the missing message is often just behind). */
  gapFillDelayMs?: number;
  /** Messages per conversation per sync page (default 100). */
  syncLimit?: number;
  /** Sends of one conversation in flight at once (default 1, which keeps this device's sends in call order). */
  maxInFlightPerConversation?: number;
  /** Socket.IO transports (default websocket only: several gateways need no sticky sessions). */
  transports?: Array<'websocket' | 'polling' | 'webtransport'>;
  /** Opens the connection; default socket.io-client's `io()`. */
  socketFactory?: SocketFactory;
  /** Randomness of the jitter (a seeded one makes tests reproducible). */
  random?: () => number;
  /** The client's timers and clock (default the real ones; tests pass one that can jump ahead). */
  clock?: Clock;
}

/** Handshake refusals that another attempt would meet again: stop and tell the app. */
const FATAL_CONNECT_ERRORS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'BAD_REQUEST']);
/** After a failed catch-up, receipt batch or gap fill while still connected, the next try waits this long. */
const FAILED_BACKGROUND_RETRY_MS = 1000;
const MAX_HISTORY_PAGE = 100;
/** The server's bound on `since` entries (MAX_SYNC_CURSORS in the contracts). */
const MAX_SYNC_CURSORS = 2000;

/**
 * A Parley client that never loses or repeats a message: reconnects with exponential backoff
 * and full jitter, catches up with `sync` after every connect, hands each message to the app
 * exactly once and in seq order per conversation (filling gaps with `history.fetch`), retries
 * unacked sends with their clientMsgId, and sends delivered receipts on its own.
 */
export class ParleyClient extends TypedEmitter<ParleyClientEvents> {
  private readonly options: Required<Omit<ParleyClientOptions, 'cursors' | 'backoff' | 'clock'>>;
  private readonly clock: Clock;
  private readonly sequencer: Sequencer;
  private readonly outbox: Outbox;
  private readonly receipts = new ReceiptBatcher();
  private readonly backoff: Backoff;
  private socket?: ClientSocket;
  private currentState: ConnectionState = 'idle';

  private readonly sendWaiters = new Map<string, Array<{ resolve: (m: Message) => void; reject: (e: ParleyClientError) => void }>>();
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly presenceSubscriptions = new Set<string>();

  private reconnectTimer?: unknown;
  private pumpTimer?: unknown;
  private receiptTimer?: unknown;
  private readonly gapTimers = new Map<string, unknown>();
  private readonly gapFills = new Set<string>();
  private syncRetryTimer?: unknown;
  private reportingListenerError = false;

  private syncRunning = false;
  private syncRequested = false;
  /** Catch-up rounds started so far (each round may page several times). */
  private syncRounds = 0;
  /** Conversations without a baseline that have held messages: the round count when the first arrived. */
  private readonly unknownSince = new Map<string, number>();

  constructor(options: ParleyClientOptions) {
    super();
    if (!options.deviceId || options.deviceId.length > 64) throw new ParleyClientError('BAD_REQUEST', 'deviceId must be 1..64 characters');
    this.options = {
      url: options.url,
      token: options.token,
      deviceId: options.deviceId,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      receiptDelayMs: options.receiptDelayMs ?? 100,
      gapFillDelayMs: options.gapFillDelayMs ?? 50,
      syncLimit: options.syncLimit ?? 100,
      maxInFlightPerConversation: options.maxInFlightPerConversation ?? 1,
      transports: options.transports ?? ['websocket'],
      socketFactory: options.socketFactory ?? openSocketIo,
      random: options.random ?? Math.random,
    };
    this.clock = options.clock ?? systemClock;
    this.sequencer = new Sequencer(options.cursors);
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...options.backoff }, this.options.random);
    this.outbox = new Outbox({
      maxInFlightPerConversation: this.options.maxInFlightPerConversation,
      retryBackoff: { baseMs: 100, maxMs: 5_000 },
      random: this.options.random,
    });
  }

  // ---------------------------------------------------------------- lifecycle

  get state(): ConnectionState {
    return this.currentState;
  }

  /**
   * Starts connecting (and reconnecting, for as long as the client is open). Resolves the
   * first time the client is connected and caught up; rejects if the server refuses this
   * client for good (UNAUTHORIZED, BAD_REQUEST) or close() is called first.
   */
  connect(): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new ParleyClientError('CLOSED', 'the client is closed'));
    const ready = this.whenReady();
    if (this.currentState === 'idle') void this.openSocket();
    return ready;
  }

  /** Resolves when the client is connected and caught up (at once if it is). */
  whenReady(): Promise<void> {
    if (this.currentState === 'ready') return Promise.resolve();
    if (this.currentState === 'closed') return Promise.reject(new ParleyClientError('CLOSED', 'the client is closed'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Disconnects for good. Sends still waiting reject with CLOSED and are returned, so an app
   * can persist them and send them again (same clientMsgId) from a new client.
   */
  close(): PendingSend[] {
    if (this.currentState === 'closed') return [];
    this.setState('closed');
    for (const timer of [this.reconnectTimer, this.pumpTimer, this.receiptTimer, this.syncRetryTimer, ...this.gapTimers.values()]) {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
    this.gapTimers.clear();
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    const pending = this.outbox.clear();
    const closed = new ParleyClientError('CLOSED', 'the client was closed');
    for (const waiters of this.sendWaiters.values()) waiters.forEach((w) => w.reject(closed));
    this.sendWaiters.clear();
    this.readyWaiters.forEach((w) => w.reject(closed));
    this.readyWaiters = [];
    return pending;
  }

  // ---------------------------------------------------------------- messages

  /**
   * Sends a message through the outbox: retried with the same clientMsgId across timeouts,
   * lost connections and UNAVAILABLE / RATE_LIMITED / INTERNAL answers until the server acks it.
   * Resolves with the stored message (which also arrives as a `message` event, once); rejects on
   * an error that a retry would meet again (FORBIDDEN, BAD_REQUEST, ...) or on close().
   * Pass `clientMsgId` to resend a send persisted from an earlier run.
   */
  send(conversationId: string, body: string, options: { clientMsgId?: string } = {}): Promise<Message> {
    if (this.currentState === 'closed') return Promise.reject(new ParleyClientError('CLOSED', 'the client is closed'));
    const clientMsgId = options.clientMsgId ?? newClientMsgId();
    const result = new Promise<Message>((resolve, reject) => {
      const waiters = this.sendWaiters.get(clientMsgId) ?? [];
      waiters.push({ resolve, reject });
      this.sendWaiters.set(clientMsgId, waiters);
    });
    this.outbox.add({ conversationId, clientMsgId, body });
    this.pump();
    return result;
  }

  /** Sends that are not acked yet, oldest first. */
  pendingSends(): PendingSend[] {
    return this.outbox.pending();
  }

  /** The highest seq handed to the app in a conversation (undefined: nothing yet this run). */
  cursor(conversationId: string): number | undefined {
    return this.sequencer.cursor(conversationId);
  }

  /** Every conversation's cursor: persist it and pass it back as `cursors` to resume exactly. */
  cursors(): Record<string, number> {
    return this.sequencer.cursors();
  }

  /**
   * Marks a conversation read up to `seq` (default: everything handed to the app). Coalesced
   * like delivered receipts and sent once connected; the user's other devices get a `receipt`.
   */
  markRead(conversationId: string, seq?: number): void {
    const cursor = this.sequencer.cursor(conversationId);
    if (cursor === undefined || (seq !== undefined && !isSeq(seq))) return;
    // Never past what the app was given: a read receipt moves this device's pointer too, and a
    // pointer ahead of the app would make the next catch-up skip messages.
    const upTo = Math.min(seq ?? cursor, cursor);
    if (upTo > 0 && this.receipts.note({ kind: 'read', conversationId, seq: upTo })) this.scheduleReceiptFlush(this.options.receiptDelayMs);
  }

  // ---------------------------------------------------------------- plain calls

  createConversation(input: ConversationCreateInput): Promise<Conversation> {
    return this.request<{ conversation: Conversation }>('conversation.create', input).then(({ conversation }) => this.learn(conversation));
  }

  listConversations(limit?: number): Promise<Conversation[]> {
    return this.request<{ conversations: Conversation[] }>('conversation.list', limit === undefined ? {} : { limit }).then(({ conversations }) =>
      conversations.map((c) => this.learn(c)),
    );
  }

  addMembers(conversationId: string, userIds: string[]): Promise<Conversation> {
    return this.request<{ conversation: Conversation }>('conversation.members.add', { conversationId, userIds }).then(({ conversation }) => conversation);
  }

  removeMembers(conversationId: string, userIds: string[]): Promise<Conversation> {
    return this.request<{ conversation: Conversation }>('conversation.members.remove', { conversationId, userIds }).then(({ conversation }) => conversation);
  }

  /** A page of history, as stored (this does not go through the exactly-once `message` stream). */
  fetchHistory(input: HistoryFetchInput): Promise<HistoryPage> {
    return this.request<HistoryPage>('history.fetch', input);
  }

  /** Presence of these users now, then `presence` events on change; renewed after every reconnect. */
  async subscribePresence(userIds: string[]): Promise<Presence[]> {
    userIds.forEach((id) => this.presenceSubscriptions.add(id));
    const { presences } = await this.request<{ presences: Presence[] }>('presence.subscribe', { userIds });
    return presences;
  }

  async unsubscribePresence(userIds: string[]): Promise<void> {
    userIds.forEach((id) => this.presenceSubscriptions.delete(id));
    await this.request('presence.unsubscribe', { userIds });
  }

  /** Typing indicator (no ack; dropped while disconnected: it expires on its own anyway). */
  setTyping(conversationId: string, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit('typing', { conversationId, typing });
  }

  /**
   * Any acked event by name, for what has no method here. Waits for the connection (up to
   * the request timeout), never retries (the event may not be idempotent).
   */
  async request<T = Record<string, unknown>>(event: string, payload: unknown): Promise<T> {
    const socket = await this.connectedSocket();
    return this.call<T>(socket, event, payload);
  }

  // ---------------------------------------------------------------- connection

  private async openSocket(): Promise<void> {
    this.setState('connecting');
    let token: string;
    try {
      token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    } catch (err) {
      this.reportError(new Error(`the token provider failed: ${err instanceof Error ? err.message : String(err)}`));
      this.scheduleReconnect();
      return;
    }
    if (this.currentState === 'closed') return;
    const socket = this.options.socketFactory(this.options.url, {
      auth: { token, deviceId: this.options.deviceId },
      timeoutMs: this.options.requestTimeoutMs,
      transports: this.options.transports,
    });
    this.socket = socket;
    const on = (event: string, handler: (payload: unknown) => void) =>
      socket.on(event, ((payload: unknown) => {
        if (this.socket === socket) handler(payload);
      }) as (...args: never[]) => void);
    on('connect', () => this.onConnect());
    on('connect_error', (err) => this.onConnectError(err));
    on('disconnect', () => this.onDisconnect());
    on('message.new', (p) => this.onMessageNew(p));
    on('conversation.updated', (p) => this.onConversationUpdated(p));
    on('receipt', (p) => this.passThrough<ReceiptEvent>('receipt', p, ['conversationId', 'userId', 'kind', 'seq']));
    on('presence', (p) => this.passThrough<Presence>('presence', p, ['userId', 'status']));
    on('typing', (p) => this.passThrough<TypingEvent>('typing', p, ['conversationId', 'userId', 'typing']));
    on('message.redacted', (p) => this.passThrough<RedactedEvent>('redacted', p, ['conversationId', 'seq']));
  }

  private onConnect(): void {
    this.backoff.reset();
    this.setState('syncing');
    this.pump();
    this.flushReceipts();
    this.renewPresence();
    this.requestSync();
  }

  private onConnectError(err: unknown): void {
    const code = err instanceof Error ? err.message : String(err);
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    if (FATAL_CONNECT_ERRORS.has(code)) {
      const refused = new ParleyClientError(code as 'UNAUTHORIZED' | 'BAD_REQUEST', `the server refused the connection: ${code}`);
      this.reportError(refused);
      this.readyWaiters.forEach((w) => w.reject(refused));
      this.readyWaiters = [];
      this.close();
      return;
    }
    this.scheduleReconnect();
  }

  private onDisconnect(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
    this.outbox.requeueInFlight();
    for (const timer of this.gapTimers.values()) this.clock.clearTimeout(timer);
    this.gapTimers.clear();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.currentState === 'closed' || this.reconnectTimer !== undefined) return;
    this.setState('waiting');
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.currentState !== 'closed') void this.openSocket();
    }, this.backoff.next());
  }

  private get online(): boolean {
    return !!this.socket?.connected && (this.currentState === 'syncing' || this.currentState === 'ready');
  }

  private async connectedSocket(): Promise<ClientSocket> {
    if (this.online) return this.socket!;
    if (this.currentState === 'closed') throw new ParleyClientError('CLOSED', 'the client is closed');
    if (this.currentState === 'idle') throw new ParleyClientError('UNAVAILABLE', 'connect() was not called');
    let timer: unknown | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new ParleyClientError('UNAVAILABLE', 'not connected')), this.options.requestTimeoutMs);
    });
    // Catching up is not needed for a plain call, only the connection.
    const connected = new Promise<void>((resolve, reject) => {
      const off = this.on('state', (state) => {
        if (state !== 'syncing' && state !== 'ready' && state !== 'closed') return;
        off();
        if (state === 'closed') reject(new ParleyClientError('CLOSED', 'the client is closed'));
        else resolve();
      });
      timeout.catch(() => off());
    });
    try {
      await Promise.race([connected, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
    }
    return this.socket!;
  }

  /** One acked call on one socket: the data, or a ParleyClientError (TIMEOUT, UNAVAILABLE when the connection dropped, or the server's code). */
  private call<T>(socket: ClientSocket, event: string, payload: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      socket.timeout(this.options.requestTimeoutMs).emit(event, payload, (err, answer) => {
        if (err) {
          const lost = !socket.connected || /disconnected/.test(err.message);
          reject(new ParleyClientError(lost ? 'UNAVAILABLE' : 'TIMEOUT', lost ? 'the connection was lost' : `no ack for ${event}`));
        } else if (!isAckEnvelope(answer)) {
          reject(new ParleyClientError('INTERNAL', `malformed ack for ${event}`));
        } else if (answer.ok) {
          resolve(answer.data as T);
        } else {
          reject(ParleyClientError.fromBody(answer.error));
        }
      });
    });
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit('state', state);
    if (state === 'ready') {
      this.readyWaiters.forEach((w) => w.resolve());
      this.readyWaiters = [];
    }
  }

  // ---------------------------------------------------------------- incoming messages

  private onMessageNew(payload: unknown): void {
    if (!isRecordWith(payload, 'message') || !isMessage(payload.message)) return this.reportError(new Error('malformed message.new event'));
    this.ingest(payload.message.conversationId, [payload.message]);
  }

  private onConversationUpdated(payload: unknown): void {
    if (!isRecordWith(payload, 'conversation') || !isRecordWith(payload.conversation, 'id', 'lastSeq'))
      return this.reportError(new Error('malformed conversation.updated event'));
    this.emit('conversation', this.learn(payload.conversation as unknown as Conversation));
  }

  /** A conversation without messages has a known baseline, 0: no sync needed to start delivering it. */
  private learn(conversation: Conversation): Conversation {
    if (conversation.lastSeq === 0 && !this.sequencer.isKnown(conversation.id)) {
      this.unknownSince.delete(conversation.id);
      this.deliver(conversation.id, this.sequencer.setBaseline(conversation.id, 0));
    }
    return conversation;
  }

  /** Every message from every path comes through here. */
  private ingest(conversationId: string, messages: Message[]): void {
    if (!this.sequencer.isKnown(conversationId)) {
      // No baseline: hold them until a catch-up round, started after they arrived, says from where this device resumes.
      this.sequencer.accept(conversationId, messages);
      if (!this.unknownSince.has(conversationId)) this.unknownSince.set(conversationId, this.syncRounds);
      this.requestSync();
      return;
    }
    this.deliver(conversationId, this.sequencer.accept(conversationId, messages));
    if (this.sequencer.gap(conversationId)) this.scheduleGapFill(conversationId, this.options.gapFillDelayMs);
  }

  private deliver(conversationId: string, messages: Message[]): void {
    if (messages.length === 0) return;
    for (const message of messages) this.emit('message', message);
    if (this.receipts.note({ kind: 'delivered', conversationId, seq: messages[messages.length - 1].seq })) this.scheduleReceiptFlush(this.options.receiptDelayMs);
  }

  // ---------------------------------------------------------------- catch-up

  private requestSync(): void {
    this.syncRequested = true;
    if (!this.syncRunning && this.online) void this.runSync();
  }

  private async runSync(): Promise<void> {
    this.syncRunning = true;
    const socket = this.socket!;
    try {
      while (this.syncRequested && this.socket === socket && this.online) {
        this.syncRequested = false;
        await this.syncRound(socket, ++this.syncRounds);
      }
    } catch (err) {
      // A lost connection syncs again on the next connect; anything else is retried shortly.
      this.syncRequested = true;
      if (this.socket === socket && this.online) {
        this.reportError(err instanceof Error ? err : new Error(String(err)));
        this.syncRetryTimer = this.clock.setTimeout(() => {
          this.syncRetryTimer = undefined;
          this.requestSync();
        }, FAILED_BACKGROUND_RETRY_MS);
      }
      return;
    } finally {
      this.syncRunning = false;
    }
    if (this.socket !== socket || !this.online) return;
    for (const gap of this.sequencer.gaps()) this.scheduleGapFill(gap.conversationId, 0);
    this.setState('ready');
  }

  /** Pages through `sync` until nothing more is waiting, merging every page. */
  private async syncRound(socket: ClientSocket, round: number): Promise<void> {
    const answered = new Set<string>();
    for (;;) {
      const since = this.sinceCursors();
      const answer = await this.call<SyncAnswer>(socket, 'sync', Object.keys(since).length > 0 ? { since, limit: this.options.syncLimit } : { limit: this.options.syncLimit });
      if (!isSyncAnswer(answer)) throw new ParleyClientError('INTERNAL', 'malformed sync answer');
      let more = answer.hasMore === true;
      let progressed = false;
      for (const update of answer.updates) {
        if (update.messages.length === 0) continue;
        progressed = true;
        answered.add(update.conversationId);
        const messages = [...update.messages].sort((a, b) => a.seq - b.seq);
        if (!this.sequencer.isKnown(update.conversationId)) {
          // Without `since`, the server answered from this device's pointer: what precedes the first message was delivered before.
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
   * The cursors to sync from: only those ahead of this device's pointer on the server (a
   * receipt the server acked moved the pointer to it, so there the pointer says the same).
   * Dropping the rest keeps the request small and under the server's bound; an answer from a
   * pointer behind the cursor would only repeat messages the sequencer drops anyway.
   */
  private sinceCursors(): Record<string, number> {
    const since: Record<string, number> = {};
    let count = 0;
    for (const [conversationId, seq] of Object.entries(this.sequencer.cursors())) {
      if (count >= MAX_SYNC_CURSORS) break;
      if (seq <= this.receipts.ackedSeq('delivered', conversationId)) continue;
      since[conversationId] = seq;
      count++;
    }
    return since;
  }

  // ---------------------------------------------------------------- gap fill

  private scheduleGapFill(conversationId: string, delayMs: number): void {
    if (this.gapTimers.has(conversationId) || this.gapFills.has(conversationId) || this.currentState === 'closed') return;
    this.gapTimers.set(
      conversationId,
      this.clock.setTimeout(() => {
        this.gapTimers.delete(conversationId);
        void this.fillGap(conversationId);
      }, delayMs),
    );
  }

  /** Fetches the missing range of a conversation with history.fetch until the held messages connect. */
  private async fillGap(conversationId: string): Promise<void> {
    // While a catch-up runs it fills gaps itself and checks for any left when it ends.
    if (!this.online || this.syncRunning) return;
    const socket = this.socket!;
    this.gapFills.add(conversationId);
    let retry = false;
    try {
      for (let gap = this.sequencer.gap(conversationId); gap; gap = this.sequencer.gap(conversationId)) {
        const limit = Math.min(MAX_HISTORY_PAGE, gap.beforeSeq - gap.afterSeq - 1);
        const page = await this.call<HistoryPage>(socket, 'history.fetch', { conversationId, afterSeq: gap.afterSeq, limit });
        if (!isHistoryPage(page)) throw new ParleyClientError('INTERNAL', 'malformed history.fetch answer');
        const before = this.sequencer.cursor(conversationId);
        this.deliver(conversationId, this.sequencer.accept(conversationId, page.messages));
        if (this.sequencer.cursor(conversationId) === before) throw new ParleyClientError('INTERNAL', `history.fetch did not return seq ${gap.afterSeq + 1}`);
      }
    } catch (err) {
      // A lost connection needs nothing here: the catch-up after the reconnect covers the gap.
      retry = this.socket === socket && this.online;
      if (retry) this.reportError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.gapFills.delete(conversationId);
    }
    if (retry) this.scheduleGapFill(conversationId, FAILED_BACKGROUND_RETRY_MS);
  }

  // ---------------------------------------------------------------- outbox

  private pump(): void {
    if (this.pumpTimer !== undefined) this.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (!this.online) return;
    const socket = this.socket!;
    for (const send of this.outbox.takeDue(this.clock.now())) {
      const { attempt, ...payload } = send;
      this.call<{ message: Message }>(socket, 'message.send', payload).then(
        (data) => this.onSendAcked(send, attempt, data),
        (err: ParleyClientError) => this.onSendFailed(send, attempt, err, socket),
      );
    }
    const dueAt = this.outbox.nextDueAt();
    if (dueAt !== undefined) this.pumpTimer = this.clock.setTimeout(() => this.pump(), Math.max(0, dueAt - this.clock.now()));
  }

  private onSendAcked(send: PendingSend, attempt: number, data: { message: Message }): void {
    if (!isRecordWith(data, 'message') || !isMessage(data.message) || data.message.clientMsgId !== send.clientMsgId) {
      this.onSendFailed(send, attempt, new ParleyClientError('INTERNAL', 'malformed message.send ack'), this.socket);
      return;
    }
    if (this.outbox.acked(send.clientMsgId, attempt)) {
      this.sendWaiters.get(send.clientMsgId)?.forEach((w) => w.resolve(data.message));
      this.sendWaiters.delete(send.clientMsgId);
    }
    this.ingest(data.message.conversationId, [data.message]);
    this.pump();
  }

  private onSendFailed(send: PendingSend, attempt: number, error: ParleyClientError, socket: ClientSocket | undefined): void {
    const connectionGone = error.code === 'TIMEOUT' || this.socket !== socket || !this.online;
    if (connectionGone || isRetryable(error.code)) {
      this.outbox.retry(send.clientMsgId, attempt, this.clock.now(), !connectionGone);
    } else if (this.outbox.failed(send.clientMsgId, attempt)) {
      this.sendWaiters.get(send.clientMsgId)?.forEach((w) => w.reject(error));
      this.sendWaiters.delete(send.clientMsgId);
      this.emit('sendFailed', send, error);
    }
    this.pump();
  }

  // ---------------------------------------------------------------- receipts and presence

  private scheduleReceiptFlush(delayMs: number): void {
    if (this.receiptTimer !== undefined || this.currentState === 'closed') return;
    this.receiptTimer = this.clock.setTimeout(() => {
      this.receiptTimer = undefined;
      this.flushReceipts();
    }, delayMs);
  }

  private flushReceipts(): void {
    if (!this.online || this.receipts.size === 0) return;
    const socket = this.socket!;
    for (const receipt of this.receipts.take()) {
      const event = receipt.kind === 'read' ? 'receipt.read' : 'receipt.delivered';
      this.call(socket, event, { conversationId: receipt.conversationId, seq: receipt.seq }).then(
        () => this.receipts.sent(receipt),
        (err: ParleyClientError) => this.onReceiptFailed(receipt, err),
      );
    }
  }

  private onReceiptFailed(receipt: PendingReceipt, error: ParleyClientError): void {
    // A receipt the server refuses (no longer a member, ...) is dropped; one that did not get through waits for the next flush.
    if (!isRetryable(error.code) && this.online) return this.reportError(error);
    this.receipts.failed(receipt);
    if (this.online) this.scheduleReceiptFlush(FAILED_BACKGROUND_RETRY_MS);
  }

  private renewPresence(): void {
    if (this.presenceSubscriptions.size === 0) return;
    this.call<{ presences: Presence[] }>(this.socket!, 'presence.subscribe', { userIds: [...this.presenceSubscriptions] }).then(
      ({ presences }) => presences.forEach((p) => this.emit('presence', p)),
      (err: Error) => this.reportError(err),
    );
  }

  private passThrough<T>(event: 'receipt' | 'presence' | 'typing' | 'redacted', payload: unknown, keys: string[]): void {
    if (!isRecordWith(payload, ...keys)) return this.reportError(new Error(`malformed ${event} event`));
    (this.emit as (e: string, p: T) => void)(event, payload as T);
  }

  private reportError(error: Error): void {
    this.emit('error', error);
  }

  protected override onListenerError(err: unknown): void {
    // An app listener that throws must not break delivery; an `error` listener that throws is not reported again.
    if (this.reportingListenerError) return;
    this.reportingListenerError = true;
    try {
      this.emit('error', new Error(`a listener threw: ${err instanceof Error ? err.message : String(err)}`));
    } finally {
      this.reportingListenerError = false;
    }
  }
}

/** A random clientMsgId (crypto.randomUUID where available: Node 19+, browsers in secure contexts). */
function newClientMsgId(): string {
  const uuid = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID;
  if (uuid) return uuid.call(globalThis.crypto);
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
