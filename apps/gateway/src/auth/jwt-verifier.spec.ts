import jwt from 'jsonwebtoken';
import { ErrorCode } from '@parley/contracts';
import { bearerToken, JwtVerifier } from './jwt-verifier';
import { TokenIssuer } from './token-issuer';

const settings = {
  JWT_SECRET: 'a-test-secret-of-some-length',
  JWT_ISSUER: 'parley',
  JWT_AUDIENCE: 'parley-clients',
  JWT_DEFAULT_TTL_SECONDS: 3600,
};
const verifier = new JwtVerifier(settings);
const issuer = new TokenIssuer(settings);
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: 'u_1', org: 'o1x1_org', iss: settings.JWT_ISSUER, aud: settings.JWT_AUDIENCE, exp: now() + 60 });

function refused(token: unknown): void {
  expect(() => verifier.verify(token)).toThrow(expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }));
}

describe('JwtVerifier', () => {
  it('accepts a token of the issuer and reads user and org', () => {
    const { token, expiresAt } = issuer.issue({ userId: 'u_1', orgId: 'o1x1_org' }, 120);
    expect(verifier.verify(token)).toEqual({ userId: 'u_1', orgId: 'o1x1_org' });
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(110_000);
  });

  it('refuses a forged signature', () => {
    refused(jwt.sign(claims(), 'another-secret-entirely', { algorithm: 'HS256' }));
    const [header, payload] = issuer.issue({ userId: 'u_1', orgId: 'o' }).token.split('.');
    refused(`${header}.${payload}.${Buffer.from('forged').toString('base64url')}`);
  });

  it('refuses alg none and other algorithms', () => {
    refused(jwt.sign(claims(), '', { algorithm: 'none' }));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    refused(unsigned);
    refused(jwt.sign(claims(), settings.JWT_SECRET, { algorithm: 'HS512' }));
  });

  it('refuses an expired token and one without expiry', () => {
    refused(jwt.sign({ ...claims(), exp: now() - 10 }, settings.JWT_SECRET, { algorithm: 'HS256' }));
    const { exp: _exp, ...noExpiry } = claims();
    refused(jwt.sign(noExpiry, settings.JWT_SECRET, { algorithm: 'HS256' }));
  });

  it('refuses a wrong audience or issuer', () => {
    refused(jwt.sign({ ...claims(), aud: 'someone-else' }, settings.JWT_SECRET, { algorithm: 'HS256' }));
    refused(jwt.sign({ ...claims(), iss: 'someone-else' }, settings.JWT_SECRET, { algorithm: 'HS256' }));
  });

  it('refuses tokens without user or org claims, and non-tokens', () => {
    const { org: _org, ...noOrg } = claims();
    refused(jwt.sign(noOrg, settings.JWT_SECRET, { algorithm: 'HS256' }));
    const { sub: _sub, ...noSub } = claims();
    refused(jwt.sign(noSub, settings.JWT_SECRET, { algorithm: 'HS256' }));
    for (const junk of [undefined, null, '', 42, {}, 'not.a.jwt']) refused(junk);
  });

  it('reads bearer headers', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   xyz ')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
