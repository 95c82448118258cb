import { Backoff } from './backoff';
import type { Clock } from './clock';
import { ParleyClientError } from './errors';
import type { ClientSocket, SocketFactory } from './socket';

export interface ConnectionOptions {
  url: string;
  token: string | (() => string | Promise<string>);
  deviceId: string;
  handshakeTimeoutMs: number;
  transports: Array<'websocket' | 'polling' | 'webtransport'>;
  socketFactory: SocketFactory;
  backoff: Backoff;
  clock: Clock;
}

export interface ConnectionHandlers {
  /** An attempt starts, or the next one is scheduled after a failure or a drop. */
  attempt(phase: 'connecting' | 'waiting'): void;
  /** Connected: `socket` is the live socket until lost() is called. */
  online(socket: ClientSocket): void;
  /** The live connection dropped (a reconnect follows). */
  lost(): void;
  /** The server refused this client for good; no more attempts. */
  refused(error: ParleyClientError): void;
  /** A server event on the live socket. */
  event(name: string, payload: unknown): void;
  error(error: Error): void;
}

/** Server events the client listens to. */
export const SERVER_EVENTS = ['message.new', 'conversation.updated', 'receipt', 'presence', 'typing', 'message.redacted'] as const;

/** The longest a `server.draining` notice can make the client wait before moving. */
const MAX_DRAIN_DELAY_MS = 60_000;

/** Handshake refusals that another attempt would meet again. */
const FATAL_CONNECT_ERRORS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'BAD_REQUEST']);

/**
 * Keeps one connection up for as long as it is open: a fresh socket per attempt (so nothing
 * of a dead connection can reach the live one), and after a failure or a drop the next attempt
 * waits a full-jitter exponential backoff.
 */
export class Connection {
  private socket?: ClientSocket;
  private reconnectTimer?: unknown;
  private drainTimer?: unknown;
  private closed = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {}

  /** The connected socket, if any. */
  get live(): ClientSocket | undefined {
    return this.socket?.connected ? this.socket : undefined;
  }

  open(): void {
    void this.attempt();
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== undefined) this.options.clock.clearTimeout(this.reconnectTimer);
    this.dropSocket();
  }

  /**
   * The gateway is shutting down and gave this client its turn to move: leave at that
   * time and connect again at once (the load balancer picks a gateway still running).
   * Sends waiting for an ack then go again from the outbox, under the same clientMsgId.
   */
  private onDraining(socket: ClientSocket, payload: unknown): void {
    if (this.drainTimer !== undefined) return;
    const asked = (payload as { reconnectAfterMs?: unknown } | null)?.reconnectAfterMs;
    const delayMs = typeof asked === 'number' && asked >= 0 ? Math.min(asked, MAX_DRAIN_DELAY_MS) : 0;
    this.drainTimer = this.options.clock.setTimeout(() => {
      this.drainTimer = undefined;
      if (this.socket !== socket || this.closed) return;
      this.dropSocket();
      this.handlers.lost();
      void this.attempt();
    }, delayMs);
  }

  private async attempt(): Promise<void> {
    this.handlers.attempt('connecting');
    let token: string;
    try {
      token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    } catch (err) {
      this.handlers.error(new Error(`the token provider failed: ${err instanceof Error ? err.message : String(err)}`));
      return this.scheduleAttempt();
    }
    if (this.closed) return;
    const socket = this.options.socketFactory(this.options.url, {
      auth: { token, deviceId: this.options.deviceId },
      timeoutMs: this.options.handshakeTimeoutMs,
      transports: this.options.transports,
    });
    this.socket = socket;
    const on = (event: string, handler: (payload: unknown) => void) =>
      socket.on(event, ((payload: unknown) => {
        if (this.socket === socket) handler(payload);
      }) as (...args: never[]) => void);
    on('connect', () => {
      this.options.backoff.reset();
      this.handlers.online(socket);
    });
    on('connect_error', (err) => this.onConnectError(err));
    on('server.draining', (payload) => this.onDraining(socket, payload));
    on('disconnect', () => {
      this.dropSocket();
      this.handlers.lost();
      this.scheduleAttempt();
    });
    for (const event of SERVER_EVENTS) on(event, (payload) => this.handlers.event(event, payload));
  }

  private onConnectError(err: unknown): void {
    this.dropSocket();
    const code = err instanceof Error ? err.message : String(err);
    if (!FATAL_CONNECT_ERRORS.has(code)) return this.scheduleAttempt();
    this.closed = true;
    this.handlers.refused(new ParleyClientError(code as 'UNAUTHORIZED' | 'BAD_REQUEST', `the server refused the connection: ${code}`));
  }

  private scheduleAttempt(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.handlers.attempt('waiting');
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) void this.attempt();
    }, this.options.backoff.next());
  }

  /** Forgets the socket first, so the events its shutdown fires are ignored. */
  private dropSocket(): void {
    if (this.drainTimer !== undefined) this.options.clock.clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.disconnect();
  }
}
