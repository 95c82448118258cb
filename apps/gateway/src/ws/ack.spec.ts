import { Logger } from '@nestjs/common';
import { ErrorCode, ParleyError } from '@parley/contracts';
import { acknowledge } from './ack';

describe('acknowledge', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('wraps a result as {ok: true, data}', async () => {
    await expect(acknowledge('e', async () => ({ message: 1 }))).resolves.toEqual({ ok: true, data: { message: 1 } });
    await expect(acknowledge('e', () => ({}))).resolves.toEqual({ ok: true, data: {} });
  });

  it('passes a contract error on with its code and message', async () => {
    const ack = await acknowledge('e', async () => {
      throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member');
    });
    expect(ack).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'not a member' } });
  });

  it('catches synchronous throws too (validation happens before any await)', async () => {
    const ack = await acknowledge('e', () => {
      throw new ParleyError(ErrorCode.PAYLOAD_TOO_LARGE, 'body too long');
    });
    expect(ack).toEqual({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'body too long' } });
  });

  it('hides anything else behind INTERNAL', async () => {
    const ack = await acknowledge('e', async () => {
      throw new TypeError('secret internals at /srv/app.js:12');
    });
    expect(ack).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
  });
});
