import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { ErrorCode } from '@parley/contracts';
import { JwksKeys } from './jwks-keys';
import { bearerToken, JwtSettings, JwtVerifier } from './jwt-verifier';
import { TokenIssuer } from './token-issuer';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const base: JwtSettings = {
  JWT_SECRET: 'a-test-secret-of-some-length',
  JWT_ISSUER: 'parley',
  JWT_AUDIENCE: 'parley-clients',
  JWT_JWKS_CACHE_MS: 600_000,
  JWT_JWKS_MIN_REFETCH_MS: 30_000,
};
const verifier = new JwtVerifier(base);
const rsaVerifier = new JwtVerifier({ ...base, JWT_PUBLIC_KEY: pem(rsa.publicKey) });
const issuer = new TokenIssuer({ ...base, JWT_DEFAULT_TTL_SECONDS: 3600 });
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: 'u_1', org: 'o1x1_org', iss: base.JWT_ISSUER, aud: base.JWT_AUDIENCE, exp: now() + 60 });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every hostile token tried in this file; the figure the security note quotes. */
const tally = { tried: 0, accepted: 0 };

async function refused(token: unknown, by: JwtVerifier = verifier): Promise<void> {
  tally.tried++;
  const outcome = await by.verify(token).then(
    () => 'accepted',
    (err: { code?: string }) => err.code,
  );
  if (outcome === 'accepted') tally.accepted++;
  expect(outcome).toBe(ErrorCode.UNAUTHORIZED);
}

afterAll(() => {
  console.log(`token tests: ${tally.tried} hostile tokens tried, accepted = ${tally.accepted}`);
});

describe('JwtVerifier', () => {
  it('accepts a token of the issuer and reads user, org and expiry', async () => {
    const { token, expiresAt } = issuer.issue({ userId: 'u_1', orgId: 'o1x1_org' }, 120);
    expect(await verifier.verify(token)).toEqual({ userId: 'u_1', orgId: 'o1x1_org', expiresAtMs: Date.parse(expiresAt) });
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(110_000);
  });

  it('refuses a forged signature', async () => {
    await refused(jwt.sign(claims(), 'another-secret-entirely', { algorithm: 'HS256' }));
    const [header, payload] = issuer.issue({ userId: 'u_1', orgId: 'o' }).token.split('.');
    await refused(`${header}.${payload}.${Buffer.from('forged').toString('base64url')}`);
    // A valid signature over other claims, with the claims swapped in.
    const [, otherPayload] = issuer.issue({ userId: 'u_2', orgId: 'o' }).token.split('.');
    const signature = issuer.issue({ userId: 'u_1', orgId: 'o' }).token.split('.')[2];
    await refused(`${header}.${otherPayload}x.${signature}`);
  });

  it('refuses alg none and algorithms outside the allow-list', async () => {
    await refused(jwt.sign(claims(), '', { algorithm: 'none' }));
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
    await refused(`${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims())}.`);
    await refused(jwt.sign(claims(), base.JWT_SECRET, { algorithm: 'HS512' }));
    await refused(jwt.sign(claims(), base.JWT_SECRET, { algorithm: 'HS384' }));
    await refused(jwt.sign(claims(), rsa.privateKey, { algorithm: 'PS256' }), rsaVerifier);
    await refused(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS512' }), rsaVerifier);
  });

  it('refuses HS/RS confusion: the public key used as an HMAC secret', async () => {
    const publicPem = pem(rsa.publicKey);
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims())}`;
    await refused(`${body}.${createHmac('sha256', publicPem).update(body).digest('base64url')}`, rsaVerifier);
    const rsHeader = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims())}`;
    await refused(`${rsHeader}.${createHmac('sha256', publicPem).update(rsHeader).digest('base64url')}`, rsaVerifier);
    // RS256 signed by a key that is not the configured one, and ES256 where only an RSA key is configured.
    await refused(jwt.sign(claims(), otherRsa.privateKey, { algorithm: 'RS256' }), rsaVerifier);
    await refused(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' }), rsaVerifier);
    // Without any public key configured, RS256 is refused whatever it carries.
    await refused(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }));
  });

  it('accepts RS256 and ES256 tokens of a configured public key', async () => {
    expect((await rsaVerifier.verify(jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' }))).userId).toBe('u_1');
    const ecVerifier = new JwtVerifier({ ...base, JWT_PUBLIC_KEY: pem(ec.publicKey) });
    expect((await ecVerifier.verify(jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' }))).orgId).toBe('o1x1_org');
    // The gateway's own HS256 tokens keep working next to an identity provider's.
    expect((await rsaVerifier.verify(issuer.issue({ userId: 'u_9', orgId: 'o' }).token)).userId).toBe('u_9');
  });

  it('refuses an expired token and one without expiry', async () => {
    await refused(jwt.sign({ ...claims(), exp: now() - 10 }, base.JWT_SECRET, { algorithm: 'HS256' }));
    const { exp: _exp, ...noExpiry } = claims();
    await refused(jwt.sign(noExpiry, base.JWT_SECRET, { algorithm: 'HS256' }));
    await refused(jwt.sign({ ...claims(), exp: now() - 10 }, rsa.privateKey, { algorithm: 'RS256' }), rsaVerifier);
  });

  it('refuses a wrong audience or issuer', async () => {
    await refused(jwt.sign({ ...claims(), aud: 'someone-else' }, base.JWT_SECRET, { algorithm: 'HS256' }));
    await refused(jwt.sign({ ...claims(), iss: 'someone-else' }, base.JWT_SECRET, { algorithm: 'HS256' }));
    await refused(jwt.sign({ ...claims(), aud: 'someone-else' }, rsa.privateKey, { algorithm: 'RS256' }), rsaVerifier);
  });

  it('refuses tokens without user or org claims, and non-tokens', async () => {
    const { org: _org, ...noOrg } = claims();
    await refused(jwt.sign(noOrg, base.JWT_SECRET, { algorithm: 'HS256' }));
    const { sub: _sub, ...noSub } = claims();
    await refused(jwt.sign(noSub, base.JWT_SECRET, { algorithm: 'HS256' }));
    for (const junk of [undefined, null, '', 42, {}, 'not.a.jwt', 'a.b.c', 'x'.repeat(10_000), `${b64({ alg: 'HS256' })}.%%%.x`]) await refused(junk);
  });

  it('reads bearer headers', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   xyz ')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('JwtVerifier with a JWKS document', () => {
  const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });
  let served: unknown[] = [jwk(first.publicKey, 'k1')];
  let requests = 0;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies by kid, picks up a rotated key, and refetches unknown kids at most once per interval', async () => {
    const jwks = new JwtVerifier({ ...base, JWT_JWKS_URL: url, JWT_JWKS_MIN_REFETCH_MS: 60_000 });
    const signed = (key: KeyObject, kid: string, algorithm: jwt.Algorithm) => jwt.sign(claims(), key, { algorithm, keyid: kid });
    expect((await jwks.verify(signed(first.privateKey, 'k1', 'RS256'))).userId).toBe('u_1');
    expect(requests).toBe(1);

    // The provider rotates; the first token with the new kid triggers one refetch (the interval has not passed,
    // so a fresh verifier stands in for "later").
    served = [jwk(first.publicKey, 'k1'), jwk(second.publicKey, 'k2')];
    const later = new JwtVerifier({ ...base, JWT_JWKS_URL: url, JWT_JWKS_MIN_REFETCH_MS: 0 });
    expect((await later.verify(signed(second.privateKey, 'k2', 'ES256'))).userId).toBe('u_1');

    // Unknown kids: refused, and a flood of them costs no more than one fetch per interval.
    const before = requests;
    for (let i = 0; i < 20; i++) await refused(signed(otherRsa.privateKey, `made-up-${i}`, 'RS256'), jwks);
    expect(requests - before).toBeLessThanOrEqual(1);
    // A known kid with the wrong algorithm or key.
    await refused(signed(first.privateKey, 'k2', 'RS256'), later);
    await refused(signed(otherRsa.privateKey, 'k1', 'RS256'), later);
  });

  it('keeps known keys when the provider fails, and skips keys it cannot use', async () => {
    let fail = false;
    const fakeFetch = (async () =>
      fail ? new Response('down', { status: 500 }) : Response.json({ keys: [jwk(first.publicKey, 'k1'), { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, { kid: 'junk' }] })) as typeof fetch;
    let clock = 0;
    const keys = new JwksKeys({ url, cacheMs: 1000, minRefetchMs: 10, fetch: fakeFetch, now: () => clock });
    expect((await keys.key('k1'))?.algorithm).toBe('RS256');
    expect(await keys.key('hmac')).toBeUndefined();
    fail = true;
    clock = 5000; // the cache expired; the refetch fails
    expect((await keys.key('k1'))?.algorithm).toBe('RS256');
    expect(keys.fetches).toBe(2);
  });
});
