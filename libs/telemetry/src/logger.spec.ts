import { Writable } from 'node:stream';
import { withCorrelationId } from './correlation';
import { createServiceLogger, scrubSecrets } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { lines, destination };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl';

describe('service logger', () => {
  it('writes one JSON object per line with service, node, level and the correlation id of the work', async () => {
    const { lines, destination } = capture();
    const logger = createServiceLogger({ service: 'chat', node: 'chat-0', level: 'log', destination });
    withCorrelationId('abc-1', () => logger.info('inside'));
    logger.info('outside');
    logger.debug('below the level');
    await new Promise((r) => setImmediate(r));
    expect(lines).toMatchObject([
      { level: 'info', service: 'chat', node: 'chat-0', correlationId: 'abc-1', msg: 'inside' },
      { level: 'info', msg: 'outside' },
    ]);
    expect(lines[1]).not.toHaveProperty('correlationId');
    expect(typeof lines[0].time).toBe('string');
  });

  it('never writes tokens: credential fields are redacted', async () => {
    const { lines, destination } = capture();
    const logger = createServiceLogger({ service: 'gateway', node: 'g', level: 'log', destination });
    logger.info({ token: JWT, headers: { authorization: `Bearer ${JWT}` }, auth: { token: JWT }, user: { password: 'p4ss' } }, 'request');
    await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(lines)).not.toContain(JWT);
    expect(JSON.stringify(lines)).not.toContain('p4ss');
  });

  it('masks tokens and URL passwords inside message strings', () => {
    expect(scrubSecrets(`bad token ${JWT} here`)).toBe('bad token [redacted-jwt] here');
    expect(scrubSecrets('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer [redacted]');
    expect(scrubSecrets('postgres://parley:s3cret@db:5432/x')).toBe('postgres://parley:[redacted]@db:5432/x');
  });
});
