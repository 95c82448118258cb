import type { Message } from '@parley/contracts';
import type { ClientSocket, SocketFactory, SocketOpenOptions } from '../src/socket';

type Handler = (...args: never[]) => void;
type Ack = (err: Error | null, answer?: unknown) => void;

/**
 * An in-memory stand-in for the gateway, for the SDK's unit tests: the contract's
 * message.send (idempotent per clientMsgId), history.fetch, sync (per-device pointers moved by
 * receipt.delivered), message.new fan-out, and knobs to misbehave (drop a push, lose acks,
 * refuse the next connections, cut a socket). The real system is exercised by the e2e suites.
 */
export class FakeGateway {
  readonly messages = new Map<string, Message[]>();
  readonly members = new Map<string, string[]>();
  /** `${userId}/${deviceId}/${conversationId}` → highest seq acknowledged as delivered. */
  readonly pointers = new Map<string, number>();
  readonly calls: Array<{ deviceId: string; event: string; payload: unknown }> = [];
  readonly sockets: FakeSocket[] = [];
  /** Pushes of these seqs are not sent (a lost live event). */
  readonly dropPushes = new Set<number>();
  /** The next N connection attempts fail like an unreachable server. */
  refuseConnections = 0;
  /** Tokens (user ids) the handshake refuses with UNAUTHORIZED. */
  readonly revoked = new Set<string>();
  /** message.send acks are swallowed (the send is still stored) while this is above 0, counting down. */
  swallowSendAcks = 0;
  /** An answer to give instead of the handler's, once per listed event. */
  readonly failNext = new Map<string, { code: string; message: string; retryAfterMs?: number }>();
  /** The next event of a socket is acked UNAUTHORIZED and the socket closed, as when its token expires. */
  expireOnNextEvent = false;

  /** A factory for ParleyClient: user ids are the tokens. */
  readonly factory: SocketFactory = (_url, options) => {
    const socket = new FakeSocket(this, options);
    this.sockets.push(socket);
    setTimeout(() => socket.open(), 0);
    return socket;
  };

  conversation(id: string, memberIds: string[]): void {
    this.members.set(id, memberIds);
    this.messages.set(id, []);
  }

  /** A message sent by someone else (pushed live to connected members). */
  store(conversationId: string, senderId: string, body: string, clientMsgId = `srv-${Math.random()}`): Message {
    const log = this.messages.get(conversationId)!;
    const existing = log.find((m) => m.clientMsgId === clientMsgId && m.senderId === senderId);
    if (existing) return existing;
    const message: Message = {
      id: `m-${conversationId}-${log.length + 1}`,
      conversationId,
      seq: log.length + 1,
      senderId,
      clientMsgId,
      body,
      createdAt: new Date(0).toISOString(),
    };
    log.push(message);
    if (!this.dropPushes.has(message.seq)) {
      for (const s of this.sockets) if (s.connected && this.members.get(conversationId)!.includes(s.userId)) s.push('message.new', { message });
    }
    return message;
  }

  connectedCount(): number {
    return this.sockets.filter((s) => s.connected).length;
  }

  handle(socket: FakeSocket, event: string, payload: Record<string, unknown>): unknown {
    this.calls.push({ deviceId: socket.deviceId, event, payload });
    if (this.expireOnNextEvent) {
      this.expireOnNextEvent = false;
      setTimeout(() => socket.cut(), 1);
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'token expired' } };
    }
    const failure = this.failNext.get(event);
    if (failure) {
      this.failNext.delete(event);
      return { ok: false, error: failure };
    }
    const conversationId = payload.conversationId as string;
    switch (event) {
      case 'message.send': {
        if (!this.members.get(conversationId)?.includes(socket.userId)) return { ok: false, error: { code: 'FORBIDDEN', message: 'not a member' } };
        return { ok: true, data: { message: this.store(conversationId, socket.userId, payload.body as string, payload.clientMsgId as string) } };
      }
      case 'history.fetch': {
        const after = (payload.afterSeq as number | undefined) ?? 0;
        const limit = (payload.limit as number | undefined) ?? 50;
        const rest = this.messages.get(conversationId)!.filter((m) => m.seq > after);
        return { ok: true, data: { messages: rest.slice(0, limit), hasMore: rest.length > limit } };
      }
      case 'receipt.delivered': {
        const key = `${socket.userId}/${socket.deviceId}/${conversationId}`;
        this.pointers.set(key, Math.max(this.pointers.get(key) ?? 0, payload.seq as number));
        return { ok: true, data: {} };
      }
      case 'receipt.read':
      case 'presence.unsubscribe':
      case 'typing':
        return { ok: true, data: {} };
      case 'presence.subscribe':
        return { ok: true, data: { presences: (payload.userIds as string[]).map((userId) => ({ userId, status: 'online', lastSeenAt: new Date(0).toISOString() })) } };
      case 'sync': {
        const since = (payload.since ?? {}) as Record<string, number>;
        const limit = (payload.limit as number | undefined) ?? 100;
        const updates = [];
        for (const [id, log] of this.messages) {
          if (!this.members.get(id)!.includes(socket.userId)) continue;
          const after = since[id] ?? this.pointers.get(`${socket.userId}/${socket.deviceId}/${id}`) ?? 0;
          const rest = log.filter((m) => m.seq > after);
          if (rest.length > 0) updates.push({ conversationId: id, messages: rest.slice(0, limit), hasMore: rest.length > limit });
        }
        return { ok: true, data: { updates } };
      }
      default:
        return { ok: false, error: { code: 'BAD_REQUEST', message: `unknown event ${event}` } };
    }
  }
}

export class FakeSocket implements ClientSocket {
  connected = false;
  readonly userId: string;
  readonly deviceId: string;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly pendingAcks = new Set<Ack>();

  constructor(
    private readonly gateway: FakeGateway,
    options: SocketOpenOptions,
  ) {
    this.userId = options.auth.token;
    this.deviceId = options.auth.deviceId;
  }

  open(): void {
    if (this.gateway.revoked.has(this.userId)) return this.fire('connect_error', new Error('UNAUTHORIZED'));
    if (this.gateway.refuseConnections > 0) {
      this.gateway.refuseConnections--;
      this.fire('connect_error', new Error('websocket error'));
      return;
    }
    this.connected = true;
    this.fire('connect');
  }

  /** The network drops the connection (or the gateway dies). */
  cut(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const ack of this.pendingAcks) ack(new Error('socket has been disconnected'));
    this.pendingAcks.clear();
    this.fire('disconnect', 'transport close');
  }

  push(event: string, payload: unknown): void {
    setTimeout(() => this.connected && this.fire(event, payload), 0);
  }

  on(event: string, listener: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, payload: unknown): this {
    if (this.connected) this.gateway.handle(this, event, payload as Record<string, unknown>);
    return this;
  }

  timeout(ms: number) {
    return {
      emit: (event: string, payload: unknown, ack: Ack) => {
        if (!this.connected) return ack(new Error('socket has been disconnected'));
        this.pendingAcks.add(ack);
        const timer = setTimeout(() => {
          if (this.pendingAcks.delete(ack)) ack(new Error('operation has timed out'));
        }, ms);
        const answer = this.gateway.handle(this, event, payload as Record<string, unknown>);
        if (event === 'message.send' && this.gateway.swallowSendAcks > 0) {
          this.gateway.swallowSendAcks--;
          return;
        }
        setTimeout(() => {
          if (!this.pendingAcks.delete(ack)) return;
          clearTimeout(timer);
          ack(null, answer);
        }, 0);
      },
    };
  }

  disconnect(): this {
    if (this.connected) {
      this.connected = false;
      for (const ack of this.pendingAcks) ack(new Error('socket has been disconnected'));
      this.pendingAcks.clear();
      this.fire('disconnect', 'io client disconnect');
    }
    return this;
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const h of this.handlers.get(event) ?? []) (h as (...a: unknown[]) => void)(...args);
  }
}
