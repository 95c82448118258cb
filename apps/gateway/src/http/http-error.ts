import { HttpException } from '@nestjs/common';
import { ErrorBody, ErrorCode, ParleyError, RateLimitedError } from '@parley/contracts';

export const STATUS_OF_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface HttpError {
  status: number;
  body: { error: ErrorBody & { details?: unknown } };
  /** Seconds, for RATE_LIMITED: the Retry-After header. */
  retryAfterSeconds?: number;
}

/**
 * Maps anything a request can fail with to a status and the contract's
 * `{error: {code, message}}`: our ParleyErrors, Nest's HttpExceptions (unknown route,
 * a guard), the body parser's errors (bad JSON, too large); anything else is INTERNAL
 * and says nothing about internals.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof RateLimitedError) {
    return { status: STATUS_OF_CODE[err.code], body: { error: err.toBody() }, retryAfterSeconds: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) };
  }
  if (err instanceof ParleyError) return { status: STATUS_OF_CODE[err.code], body: { error: err.toBody() } };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const error: HttpError['body']['error'] = { code: codeOfStatus(status), message: err.message };
    // A custom response body (e.g. readiness checks) is kept; Nest's own ones carry `statusCode`.
    if (typeof response === 'object' && response !== null && !('statusCode' in response)) error.details = response;
    return { status, body: { error } };
  }
  const status = bodyParserStatus(err);
  if (status !== undefined) {
    const code = codeOfStatus(status);
    return { status, body: { error: { code, message: code === ErrorCode.PAYLOAD_TOO_LARGE ? 'request body too large' : 'malformed request body' } } };
  }
  return { status: 500, body: { error: { code: ErrorCode.INTERNAL, message: 'internal error' } } };
}

export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.BAD_REQUEST;
    case 401:
      return ErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 501:
    case 503:
      return ErrorCode.UNAVAILABLE;
    default:
      return status >= 400 && status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL;
  }
}

/** body-parser errors carry a 4xx `status` and a `type` such as `entity.parse.failed`. */
function bodyParserStatus(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, type } = err as Error & { status?: unknown; type?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string' ? status : undefined;
}
