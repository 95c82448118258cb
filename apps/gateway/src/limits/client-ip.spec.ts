import { clientIp } from './client-ip';

describe('clientIp', () => {
  it('is the peer unless a proxy is trusted, then the entry the proxy appended', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 10.0.0.7' };
    expect(clientIp(headers, '10.1.1.1', false)).toBe('10.1.1.1');
    expect(clientIp(headers, '10.1.1.1', true)).toBe('10.0.0.7');
    expect(clientIp({}, '10.1.1.1', true)).toBe('10.1.1.1');
    expect(clientIp({ 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'] }, undefined, true)).toBe('2.2.2.2');
    expect(clientIp({}, undefined, false)).toBe('unknown');
  });
});
