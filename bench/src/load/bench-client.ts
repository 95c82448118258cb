import { io, Socket } from 'socket.io-client';

/** What a load generator needs from a client library; the one place that knows it is socket.io-client. */
export interface ClientSpec {
  token: string;
  userId: string;
  deviceId: string;
  /** The bare baseline server joins these rooms at the handshake (Parley ignores them). */
  rooms?: string[];
  /** Source address of the TCP connection, to spread sockets over 127.0.0.x. */
  localAddress?: string;
}

export type AckAnswer = { ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

export interface DeliveredMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
}

export interface PresenceChange {
  userId: string;
  status: 'online' | 'offline';
}

export interface BenchClientEvents {
  message(message: DeliveredMessage): void;
  presence(change: PresenceChange): void;
  connect(): void;
  disconnect(): void;
}

/**
 * One device as a load generator drives it. Switching to the client SDK (libs/client) means
 * reimplementing this class only; the worker and the scenarios use nothing else.
 */
export class BenchClient {
  private readonly socket: Socket;

  constructor(
    url: string,
    readonly spec: ClientSpec,
    options: { reconnection: boolean },
    events: BenchClientEvents,
  ) {
    this.socket = io(url, {
      auth: { token: spec.token, deviceId: spec.deviceId, userId: spec.userId, rooms: spec.rooms },
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnection: options.reconnection,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      localAddress: spec.localAddress,
    } as Parameters<typeof io>[1]);
    this.socket.on('message.new', (payload: { message: DeliveredMessage }) => events.message(payload.message));
    this.socket.on('presence', (payload: PresenceChange) => events.presence(payload));
    this.socket.on('connect', () => events.connect());
    this.socket.on('disconnect', () => events.disconnect());
  }

  /** Resolves on the connect (also after close(): a manual reconnect); rejects with the server's refusal or after `timeoutMs`. */
  open(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (cleanup(), this.socket.close(), reject(new Error('connect timed out'))), timeoutMs);
      const onConnect = () => (cleanup(), resolve());
      const onError = (err: Error) => (cleanup(), this.socket.close(), reject(err));
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
      };
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
      this.socket.connect();
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  call(event: string, payload: unknown, timeoutMs = 10_000): Promise<AckAnswer> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<AckAnswer>;
  }

  close(): void {
    this.socket.close();
  }
}
