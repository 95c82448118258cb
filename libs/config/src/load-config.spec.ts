import { z } from 'zod';
import { generateKeyPairSync } from 'node:crypto';
import { AuthEnv, DatabaseEnv, GatewayLimitsEnv, refuseDevSecretsInProduction, RuntimeEnv } from './env-schemas';
import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(DatabaseEnv, {});
    expect(config.LOGICAL_SHARDS).toBe(64);
    expect(config.SHARD_DATABASE_URLS.map((s) => s.id)).toEqual(['shard-0', 'shard-1']);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig(DatabaseEnv, { LOGICAL_SHARDS: 'many', SHARD_DATABASE_URLS: 'nonsense' })).toThrow(ConfigError);
    try {
      loadConfig(DatabaseEnv, { LOGICAL_SHARDS: 'many', SHARD_DATABASE_URLS: 'nonsense' });
    } catch (err) {
      expect(String(err)).toMatch(/LOGICAL_SHARDS/);
      expect(String(err)).toMatch(/SHARD_DATABASE_URLS/);
    }
  });

  it('parses id=url shard pairs and refuses duplicates', () => {
    const config = loadConfig(DatabaseEnv, { SHARD_DATABASE_URLS: 'a=postgres://h/a, b=postgres://h/b?x=1' });
    expect(config.SHARD_DATABASE_URLS).toEqual([
      { id: 'a', url: 'postgres://h/a' },
      { id: 'b', url: 'postgres://h/b?x=1' },
    ]);
    expect(() => loadConfig(DatabaseEnv, { SHARD_DATABASE_URLS: 'a=postgres://h/a,a=postgres://h/b' })).toThrow(/unique/);
  });

  it('refuses the development secrets in production, by name', () => {
    const schema = z.object({ ...RuntimeEnv.shape, ...AuthEnv.shape }).superRefine(refuseDevSecretsInProduction);
    expect(() => loadConfig(schema, { NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN[\s\S]*JWT_SECRET/);
    expect(() => loadConfig(schema, { NODE_ENV: 'production', ADMIN_TOKEN: 'a'.repeat(32), JWT_SECRET: 'b'.repeat(32) })).not.toThrow();
    expect(() => loadConfig(schema, {})).not.toThrow();
  });

  it('refuses one secret used as both admin token and signing key in production', () => {
    const schema = z.object({ ...RuntimeEnv.shape, ...AuthEnv.shape }).superRefine(refuseDevSecretsInProduction);
    expect(() => loadConfig(schema, { NODE_ENV: 'production', ADMIN_TOKEN: 'c'.repeat(32), JWT_SECRET: 'c'.repeat(32) })).toThrow(/JWT_SECRET/);
  });

  it('takes a PEM public key (with \\n escapes) and refuses anything else', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(loadConfig(AuthEnv, { JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }).JWT_PUBLIC_KEY).toBe(pem);
    expect(() => loadConfig(AuthEnv, { JWT_PUBLIC_KEY: 'not a key' })).toThrow(/JWT_PUBLIC_KEY/);
    const { publicKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => loadConfig(AuthEnv, { JWT_PUBLIC_KEY: p384.export({ type: 'spki', format: 'pem' }).toString() })).toThrow(/JWT_PUBLIC_KEY/);
    expect(() => loadConfig(AuthEnv, { JWT_JWKS_URL: 'ftp://idp/jwks' })).toThrow(/JWT_JWKS_URL/);
  });

  it('parses rate limits as <per second>:<burst> or off, with documented defaults', () => {
    const limits = loadConfig(GatewayLimitsEnv, { RATE_LIMIT_SEND_USER: '5:10', RATE_LIMIT_TYPING_USER: 'off', ALLOWED_ORIGINS: 'https://a.example, https://b.example' });
    expect(limits.RATE_LIMIT_SEND_USER).toEqual({ perSecond: 5, burst: 10 });
    expect(limits.RATE_LIMIT_TYPING_USER).toBeNull();
    expect(limits.RATE_LIMIT_SEND_CONNECTION).toEqual({ perSecond: 10, burst: 40 });
    expect(limits.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(limits.SOCKET_MAX_FRAME_BYTES).toBe(64 * 1024);
    expect(limits.RATE_LIMITS_ENABLED).toBe(true);
    expect(() => loadConfig(GatewayLimitsEnv, { RATE_LIMIT_SEND_USER: '0:10' })).toThrow(/RATE_LIMIT_SEND_USER/);
    expect(() => loadConfig(GatewayLimitsEnv, { RATE_LIMIT_ADMIN_IP: 'lots' })).toThrow(/RATE_LIMIT_ADMIN_IP/);
    expect(() => loadConfig(GatewayLimitsEnv, { SOCKET_MAX_FRAME_BYTES: String(2 * 1024 * 1024) })).toThrow(/SOCKET_MAX_FRAME_BYTES/);
  });
});
