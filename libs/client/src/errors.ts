import type { ErrorBody, ErrorCode } from '@parley/contracts';

/**
 * Codes a client can see: the contract's error codes plus `TIMEOUT` (no ack within the
 * request timeout) and `CLOSED` (the client was closed while the call waited).
 */
export type ClientErrorCode = ErrorCode | 'TIMEOUT' | 'CLOSED';

/** A failed call, with the server's code (or TIMEOUT / CLOSED from the SDK itself). */
export class ParleyClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** RATE_LIMITED: how long the server asks to wait before the next try. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ParleyClientError';
  }

  static fromBody(body: ErrorBody): ParleyClientError {
    const wait = typeof body.retryAfterMs === 'number' && body.retryAfterMs > 0 ? body.retryAfterMs : undefined;
    return new ParleyClientError(body.code, body.message, wait);
  }
}

/**
 * UNAUTHORIZED on an event of an open socket means the token expired while connected: the
 * server closes the socket, and the next connection (with a token from the provider) may
 * succeed. If the token cannot be renewed, the handshake is refused and the client closes.
 */
export function isAuthExpiry(code: ClientErrorCode): boolean {
  return code === 'UNAUTHORIZED';
}

/**
 * Failures worth another attempt with the same clientMsgId: the server was down, busy or
 * failed internally (the send may or may not have been stored; the retry is idempotent and
 * answers with the stored message), or no ack came back. Everything else (BAD_REQUEST,
 * FORBIDDEN, NOT_FOUND, PAYLOAD_TOO_LARGE, UNAUTHORIZED) would fail again the same way.
 */
const RETRYABLE: ReadonlySet<ClientErrorCode> = new Set<ClientErrorCode>(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL', 'TIMEOUT']);

export function isRetryable(code: ClientErrorCode): boolean {
  return RETRYABLE.has(code);
}
