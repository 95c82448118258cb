import type { Clock } from './clock';
import { ParleyClientError } from './errors';
import { isAckEnvelope } from './payload-guards';
import type { ClientSocket } from './socket';

/**
 * One acked call on one socket: resolves with the ack's data; rejects with a
 * ParleyClientError carrying the server's code, TIMEOUT (no ack in time), UNAVAILABLE (the
 * connection dropped first) or INTERNAL (an ack that is not the contract's envelope).
 */
export function callOn<T>(socket: ClientSocket, event: string, payload: unknown, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, answer) => {
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

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** What the client's parts share: the live socket (if connected), calls on it, the clock. */
export interface Link {
  /** The connected socket, or undefined while disconnected. */
  live(): ClientSocket | undefined;
  call<T>(socket: ClientSocket, event: string, payload: unknown): Promise<T>;
  clock: Clock;
  /** Reports something the app should log. */
  error(error: Error): void;
}

/** After a failed catch-up, receipt batch or gap fill while still connected, the next try waits this long. */
export const BACKGROUND_RETRY_MS = 1000;
