import type { Conversation, ConversationCreateInput, HistoryFetchInput, Message, MuteState } from '@parley/contracts';
import { Backoff, BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { asError, callOn, Link } from './call';
import { CatchUp } from './catch-up';
import { Clock, systemClock } from './clock';
import { Connection } from './connection';
import { TypedEmitter } from './emitter';
import { ParleyClientError } from './errors';
import type { PendingSend } from './outbox';
import { HistoryPage, isMessage, isRecordWith, isSeq } from './payload-guards';
import { ReceiptSender } from './receipt-sender';
import { SendQueue } from './send-queue';
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
  /**
   * While connected, sync again this long after the last catch-up (default 5 min; 0: never).
   * Live pushes are best effort: this bounds how long a lost push of a conversation's last
   * message stays unseen (a lost push followed by another message is filled at once).
   */
  resyncIntervalMs?: number;
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

/**
 * A Parley client that never loses or repeats a message: reconnects with exponential backoff
 * and full jitter, catches up with `sync` after every connect, hands each message to the app
 * exactly once and in seq order per conversation (filling gaps with `history.fetch`), retries
 * unacked sends with their clientMsgId, and sends delivered receipts on its own.
 */
export class ParleyClient extends TypedEmitter<ParleyClientEvents> {
  private readonly requestTimeoutMs: number;
  private readonly clock: Clock;
  private readonly connection: Connection;
  private readonly catchUp: CatchUp;
  private readonly sends: SendQueue;
  private readonly receipts: ReceiptSender;
  private readonly presenceSubscriptions = new Set<string>();
  private currentState: ConnectionState = 'idle';
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private reportingListenerError = false;

  constructor(options: ParleyClientOptions) {
    super();
    if (!options.deviceId || options.deviceId.length > 64) throw new ParleyClientError('BAD_REQUEST', 'deviceId must be 1..64 characters');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const link: Link = {
      live: () => this.connection.live,
      call: (socket, event, payload) => callOn(socket, event, payload, this.requestTimeoutMs),
      clock: this.clock,
      error: (error) => this.emit('error', error),
    };
    this.connection = new Connection(
      {
        url: options.url,
        token: options.token,
        deviceId: options.deviceId,
        handshakeTimeoutMs: this.requestTimeoutMs,
        transports: options.transports ?? ['websocket'],
        socketFactory: options.socketFactory ?? openSocketIo,
        backoff: new Backoff({ ...DEFAULT_BACKOFF, ...options.backoff }, random),
        clock: this.clock,
      },
      {
        attempt: (phase) => this.setState(phase),
        online: () => this.onOnline(),
        lost: () => {
          this.sends.connectionLost();
          this.catchUp.connectionLost();
        },
        refused: (error) => this.onRefused(error),
        event: (name, payload) => this.onServerEvent(name, payload),
        error: link.error,
      },
    );
    this.receipts = new ReceiptSender(link, options.receiptDelayMs ?? 100);
    this.catchUp = new CatchUp(
      link,
      {
        syncLimit: options.syncLimit ?? 100,
        gapFillDelayMs: options.gapFillDelayMs ?? 50,
        resyncIntervalMs: options.resyncIntervalMs ?? 300_000,
        deliver: (conversationId, messages) => this.deliver(conversationId, messages),
        pointerAt: (conversationId) => this.receipts.ackedSeq('delivered', conversationId),
        caughtUp: () => this.setState('ready'),
      },
      options.cursors,
    );
    this.sends = new SendQueue(link, {
      maxInFlightPerConversation: options.maxInFlightPerConversation ?? 1,
      retryBackoff: { baseMs: 100, maxMs: 5_000 },
      random,
      stored: (message) => this.catchUp.ingest(message.conversationId, [message]),
      refused: (send, error) => this.emit('sendFailed', send, error),
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
    if (this.currentState === 'idle') this.connection.open();
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
    return this.shutDown(new ParleyClientError('CLOSED', 'the client was closed'));
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
    return this.sends.send(conversationId, body, options.clientMsgId ?? newClientMsgId());
  }

  /** Sends that are not acked yet, oldest first. */
  pendingSends(): PendingSend[] {
    return this.sends.pending();
  }

  /** The highest seq handed to the app in a conversation (undefined: nothing yet this run). */
  cursor(conversationId: string): number | undefined {
    return this.catchUp.sequencer.cursor(conversationId);
  }

  /** Every conversation's cursor: persist it and pass it back as `cursors` to resume exactly. */
  cursors(): Record<string, number> {
    return this.catchUp.sequencer.cursors();
  }

  /**
   * Marks a conversation read up to `seq` (default: everything handed to the app). Coalesced
   * like delivered receipts and sent once connected; the user's other devices get a `receipt`.
   */
  markRead(conversationId: string, seq?: number): void {
    const cursor = this.catchUp.sequencer.cursor(conversationId);
    if (cursor === undefined || (seq !== undefined && !isSeq(seq))) return;
    // Never past what the app was given: a read receipt moves this device's pointer too, and a
    // pointer ahead of the app would make the next catch-up skip messages.
    const upTo = Math.min(seq ?? cursor, cursor);
    if (upTo > 0) this.receipts.note({ kind: 'read', conversationId, seq: upTo });
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

  /** No pushes for this conversation on any of this user's devices, for good or until `until` (docs/notifications.md). */
  mute(conversationId: string, until?: Date): Promise<MuteState> {
    return this.request<MuteState>('conversation.mute', { conversationId, muted: true, ...(until ? { until: until.toISOString() } : {}) });
  }

  unmute(conversationId: string): Promise<MuteState> {
    return this.request<MuteState>('conversation.mute', { conversationId, muted: false });
  }

  /** Typing indicator (no ack; dropped while disconnected: it expires on its own anyway). */
  setTyping(conversationId: string, typing: boolean): void {
    this.connection.live?.emit('typing', { conversationId, typing });
  }

  /**
   * Any acked event by name, for what has no method here. Waits for the connection (up to
   * the request timeout), never retries (the event may not be idempotent).
   */
  async request<T = Record<string, unknown>>(event: string, payload: unknown): Promise<T> {
    return callOn<T>(await this.connectedSocket(), event, payload, this.requestTimeoutMs);
  }

  // ---------------------------------------------------------------- inside

  private onOnline(): void {
    this.setState('syncing');
    this.sends.pump();
    this.receipts.flush();
    this.renewPresence();
    this.catchUp.requestSync();
  }

  private onRefused(error: ParleyClientError): void {
    this.emit('error', error);
    this.shutDown(error);
  }

  private shutDown(reason: ParleyClientError): PendingSend[] {
    if (this.currentState === 'closed') return [];
    this.setState('closed');
    this.connection.close();
    this.catchUp.close();
    this.receipts.close();
    this.readyWaiters.forEach((w) => w.reject(reason));
    this.readyWaiters = [];
    return this.sends.close();
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    this.currentState = state;
    this.emit('state', state);
    if (state === 'ready') {
      this.readyWaiters.forEach((w) => w.resolve());
      this.readyWaiters = [];
    }
  }

  /** Waits for a live connection (not for the catch-up: a plain call does not need it), up to the request timeout. */
  private async connectedSocket(): Promise<ClientSocket> {
    const live = this.connection.live;
    if (live) return live;
    if (this.currentState === 'closed') throw new ParleyClientError('CLOSED', 'the client is closed');
    if (this.currentState === 'idle') throw new ParleyClientError('UNAVAILABLE', 'connect() was not called');
    return new Promise<ClientSocket>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        off();
        reject(new ParleyClientError('UNAVAILABLE', 'not connected'));
      }, this.requestTimeoutMs);
      const off = this.on('state', (state) => {
        const socket = this.connection.live;
        if (state === 'closed') reject(new ParleyClientError('CLOSED', 'the client is closed'));
        else if (socket) resolve(socket);
        else return;
        off();
        this.clock.clearTimeout(timer);
      });
    });
  }

  private deliver(conversationId: string, messages: Message[]): void {
    for (const message of messages) this.emit('message', message);
    this.receipts.note({ kind: 'delivered', conversationId, seq: messages[messages.length - 1].seq });
  }

  private onServerEvent(name: string, payload: unknown): void {
    const malformed = () => this.emit('error', new Error(`malformed ${name} event`));
    switch (name) {
      case 'message.new':
        if (!isRecordWith(payload, 'message') || !isMessage(payload.message)) return malformed();
        return this.catchUp.ingest(payload.message.conversationId, [payload.message]);
      case 'conversation.updated':
        if (!isRecordWith(payload, 'conversation') || !isRecordWith(payload.conversation, 'id', 'lastSeq')) return malformed();
        return this.emit('conversation', this.learn(payload.conversation as unknown as Conversation));
      case 'receipt':
        if (!isRecordWith(payload, 'conversationId', 'userId', 'kind', 'seq')) return malformed();
        return this.emit('receipt', payload as unknown as ReceiptEvent);
      case 'presence':
        if (!isRecordWith(payload, 'userId', 'status')) return malformed();
        return this.emit('presence', payload as unknown as Presence);
      case 'typing':
        if (!isRecordWith(payload, 'conversationId', 'userId', 'typing')) return malformed();
        return this.emit('typing', payload as unknown as TypingEvent);
      case 'message.redacted':
        if (!isRecordWith(payload, 'conversationId', 'seq')) return malformed();
        return this.emit('redacted', payload as unknown as RedactedEvent);
    }
  }

  private learn(conversation: Conversation): Conversation {
    this.catchUp.learn(conversation);
    return conversation;
  }

  private renewPresence(): void {
    const socket = this.connection.live;
    if (this.presenceSubscriptions.size === 0 || !socket) return;
    callOn<{ presences: Presence[] }>(socket, 'presence.subscribe', { userIds: [...this.presenceSubscriptions] }, this.requestTimeoutMs).then(
      ({ presences }) => presences.forEach((p) => this.emit('presence', p)),
      (err) => this.emit('error', asError(err)),
    );
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
