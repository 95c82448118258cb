import { z } from 'zod';
import { AuthEnv, DatabaseEnv, refuseDevSecretsInProduction, RuntimeEnv } from './env-schemas';
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
});
