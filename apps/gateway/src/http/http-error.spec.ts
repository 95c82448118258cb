import { BadRequestException, NotFoundException, NotImplementedException, PayloadTooLargeException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { ErrorCode, ParleyError, RateLimitedError } from '@parley/contracts';
import { STATUS_OF_CODE, toHttpError } from './http-error';

describe('toHttpError', () => {
  it('maps every contract code to its status', () => {
    const expected = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, PAYLOAD_TOO_LARGE: 413, RATE_LIMITED: 429, UNAVAILABLE: 503, INTERNAL: 500 };
    expect(STATUS_OF_CODE).toEqual(expected);
    for (const [code, status] of Object.entries(expected)) {
      expect(toHttpError(new ParleyError(code as ErrorCode, 'why'))).toEqual({ status, body: { error: { code, message: 'why' } } });
    }
  });

  it('gives RATE_LIMITED a Retry-After in whole seconds and the wait in the body', () => {
    expect(toHttpError(new RateLimitedError(1500))).toEqual({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: 'rate limit exceeded, retry in 1500 ms', retryAfterMs: 1500 } },
      retryAfterSeconds: 2,
    });
    expect(toHttpError(new RateLimitedError(20)).retryAfterSeconds).toBe(1);
  });

  it('maps Nest exceptions by status', () => {
    expect(toHttpError(new NotFoundException('Cannot GET /nope'))).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /nope' } } });
    expect(toHttpError(new UnauthorizedException()).body.error.code).toBe('UNAUTHORIZED');
    expect(toHttpError(new BadRequestException()).body.error.code).toBe('BAD_REQUEST');
    expect(toHttpError(new PayloadTooLargeException()).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(toHttpError(new NotImplementedException('later')).body.error).toEqual({ code: 'UNAVAILABLE', message: 'later' });
  });

  it('keeps a custom exception body as details', () => {
    const answer = toHttpError(new ServiceUnavailableException({ status: 'unavailable', checks: { nats: false } }));
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'UNAVAILABLE', details: { checks: { nats: false } } });
  });

  it('maps body parser errors without echoing them', () => {
    const badJson = Object.assign(new SyntaxError('Unexpected token } in JSON at position 7'), { status: 400, type: 'entity.parse.failed' });
    expect(toHttpError(badJson)).toEqual({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'malformed request body' } } });
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' });
    expect(toHttpError(tooLarge).body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides anything else behind INTERNAL', () => {
    expect(toHttpError(new Error('connection string postgres://secret'))).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
    expect(toHttpError('a string')).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
  });
});
