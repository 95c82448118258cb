import { ConfigError, loadConfig } from '@parley/config';
import { PresenceConfigSchema } from './presence.config';

describe('PresenceConfigSchema', () => {
  it('has documented defaults: heartbeat 5 s, TTL 15 s, grace 5 s, 3 typing notices a second', () => {
    expect(loadConfig(PresenceConfigSchema, {})).toMatchObject({
      PRESENCE_HEARTBEAT_MS: 5000,
      PRESENCE_SESSION_TTL_MS: 15_000,
      PRESENCE_GRACE_MS: 5000,
      PRESENCE_TYPING_MAX_PER_SECOND: 3,
    });
  });

  it('refuses a heartbeat that does not fit twice in the TTL, and nonsense values, naming the variable', () => {
    expect(() => loadConfig(PresenceConfigSchema, { PRESENCE_HEARTBEAT_MS: '10000', PRESENCE_SESSION_TTL_MS: '15000' })).toThrow(/PRESENCE_HEARTBEAT_MS/);
    expect(() => loadConfig(PresenceConfigSchema, { PRESENCE_GRACE_MS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig(PresenceConfigSchema, { PRESENCE_TYPING_MAX_PER_SECOND: 'many' })).toThrow(/PRESENCE_TYPING_MAX_PER_SECOND/);
  });
});
