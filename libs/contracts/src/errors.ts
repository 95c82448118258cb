/** The error codes of the client contract; every failure a client sees carries one of them. */
export const ErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** RATE_LIMITED only: how long to wait before the next try. */
  retryAfterMs?: number;
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/**
 * A failure meant for the caller. Services throw it; the transports (NATS replies,
 * Socket.IO acks, REST) turn it into the contract's error shape. Anything else thrown
 * is reported as INTERNAL without its message, so internals never leak.
 */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ParleyError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** Over a rate limit; says when a retry may succeed (REST also sends Retry-After). */
export class RateLimitedError extends ParleyError {
  constructor(
    readonly retryAfterMs: number,
    message = `rate limit exceeded, retry in ${retryAfterMs} ms`,
  ) {
    super(ErrorCode.RATE_LIMITED, message);
  }

  override toBody(): ErrorBody {
    return { ...super.toBody(), retryAfterMs: this.retryAfterMs };
  }
}

export function failure(code: ErrorCode, message: string): { ok: false; error: ErrorBody } {
  return { ok: false, error: { code, message } };
}

/** Maps anything thrown to the contract error shape. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ParleyError) return err.toBody();
  return { code: ErrorCode.INTERNAL, message: 'internal error' };
}
