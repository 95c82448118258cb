import { io } from 'socket.io-client';

/**
 * The part of a socket.io-client Socket the SDK uses. Tests and apps may pass their own
 * factory (a fake server for unit tests; a wrapper that can cut the connection for chaos tests).
 */
export interface ClientSocket {
  readonly connected: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Fire-and-forget emit (typing). */
  emit(event: string, payload: unknown): unknown;
  /** Emit with an ack: `ack(err)` on timeout or lost connection, else `ack(null, answer)`. */
  timeout(ms: number): { emit(event: string, payload: unknown, ack: (err: Error | null, answer?: unknown) => void): unknown };
  disconnect(): unknown;
}

export interface SocketOpenOptions {
  auth: { token: string; deviceId: string };
  /** Handshake timeout. */
  timeoutMs: number;
  transports: Array<'websocket' | 'polling' | 'webtransport'>;
}

export type SocketFactory = (url: string, options: SocketOpenOptions) => ClientSocket;

/**
 * A fresh socket.io-client connection per attempt, with socket.io's own reconnection off:
 * the SDK reconnects itself (full-jitter backoff, then sync), and a new socket per attempt
 * means no event of a dead connection can reach the live one.
 */
export const openSocketIo: SocketFactory = (url, { auth, timeoutMs, transports }) =>
  io(url, { auth, transports, timeout: timeoutMs, reconnection: false, forceNew: true }) as unknown as ClientSocket;
