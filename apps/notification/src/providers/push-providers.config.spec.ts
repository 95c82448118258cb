import { generateKeyPairSync } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@parley/config';
import webpush from 'web-push';
import { NotificationConfigSchema } from '../notification.config';
import { createPushProviders } from './push-providers';
import { WebPushProvider } from './web-push.provider';

const vapid = webpush.generateVAPIDKeys();
const WEB_PUSH = { WEB_PUSH_VAPID_PUBLIC_KEY: vapid.publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: vapid.privateKey, WEB_PUSH_SUBJECT: 'mailto:ops@parley.test' };
const pem = (key: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const serviceAccount = {
  type: 'service_account',
  project_id: 'parley-prod',
  client_email: 'push@parley-prod.iam.gserviceaccount.com',
  private_key: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  token_uri: 'https://oauth2.googleapis.com/token',
};
const APNS = {
  APNS_KEY_ID: 'ABC123DEFG',
  APNS_TEAM_ID: 'TEAM123456',
  // One environment line: newlines escaped as \n.
  APNS_PRIVATE_KEY: pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey).replace(/\n/g, '\\n'),
  APNS_BUNDLE_ID: 'chat.parley.app',
};

const load = (env: NodeJS.ProcessEnv) => loadConfig(NotificationConfigSchema, env);
const problems = (env: NodeJS.ProcessEnv) => {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('configuration was accepted');
};
const quietLogger = () => {
  const logger = new Logger('test');
  jest.spyOn(logger, 'log').mockImplementation(() => undefined);
  return { logger, warn: jest.spyOn(logger, 'warn').mockImplementation(() => undefined) };
};

describe('push provider configuration', () => {
  it('enables every provider whose settings are complete', () => {
    const config = load({ NODE_ENV: 'production', ...WEB_PUSH, FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(serviceAccount), ...APNS });
    expect(config.APNS_PRIVATE_KEY).toContain('\n-----END PRIVATE KEY-----');
    expect(config.FCM_SERVICE_ACCOUNT_JSON?.project_id).toBe('parley-prod');
    const providers = createPushProviders(config, quietLogger().logger);
    expect(providers.map((p) => p.platform)).toEqual(['webpush', 'fcm', 'apns']);
    expect((providers[0] as WebPushProvider).vapidPublicKey).toBe(vapid.publicKey);
  });

  it('refuses to start in production without VAPID keys', () => {
    expect(problems({ NODE_ENV: 'production' })).toMatch(/WEB_PUSH_VAPID_PUBLIC_KEY: Web Push needs .* in production/);
  });

  it('runs Web Push on ephemeral keys in development, with a warning, and leaves the others off', () => {
    const { logger, warn } = quietLogger();
    const providers = createPushProviders(load({ NODE_ENV: 'development', WEB_PUSH_SUBJECT: '', APNS_KEY_ID: '' }), logger);
    expect(providers.map((p) => p.platform)).toEqual(['webpush']);
    expect((providers[0] as WebPushProvider).vapidPublicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ephemeral VAPID keys'));
  });

  it('names the missing variables of a partly configured provider', () => {
    expect(problems({ ...WEB_PUSH, APNS_KEY_ID: 'ABC123DEFG', APNS_BUNDLE_ID: 'chat.parley.app' })).toContain(
      'APNS_TEAM_ID: APNs is partly configured: set APNS_TEAM_ID, APNS_PRIVATE_KEY too',
    );
    expect(problems({ WEB_PUSH_VAPID_PUBLIC_KEY: vapid.publicKey })).toContain('set WEB_PUSH_VAPID_PRIVATE_KEY, WEB_PUSH_SUBJECT too');
  });

  it('explains malformed values', () => {
    const other = webpush.generateVAPIDKeys();
    expect(problems({ ...WEB_PUSH, WEB_PUSH_VAPID_PUBLIC_KEY: other.publicKey })).toContain('is not the public key of WEB_PUSH_VAPID_PRIVATE_KEY');
    expect(problems({ ...WEB_PUSH, WEB_PUSH_SUBJECT: 'ops@parley.test' })).toContain('WEB_PUSH_SUBJECT: must be a mailto: or https: URL');
    expect(problems({ ...WEB_PUSH, WEB_PUSH_VAPID_PRIVATE_KEY: 'abc' })).toContain('must encode 32 bytes');
    expect(problems({ ...WEB_PUSH, FCM_SERVICE_ACCOUNT_JSON: '/etc/secrets/fcm.json' })).toContain('must be the service account key file content (JSON)');
    expect(problems({ ...WEB_PUSH, FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...serviceAccount, private_key: 'nope', client_email: undefined }) })).toMatch(
      /FCM_SERVICE_ACCOUNT_JSON: not a usable service account: .*client_email.*private_key must be a PEM RSA private key/,
    );
    expect(problems({ ...WEB_PUSH, ...APNS, APNS_PRIVATE_KEY: serviceAccount.private_key })).toContain('APNS_PRIVATE_KEY: must be the .p8 key as PEM');
    expect(problems({ ...WEB_PUSH, PUSH_REQUEST_TIMEOUT_MS: '0' })).toContain('PUSH_REQUEST_TIMEOUT_MS');
  });
});
