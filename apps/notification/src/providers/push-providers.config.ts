import { createECDH, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { APNS_PRODUCTION_ORIGIN } from './apns.provider';
import { FcmServiceAccount } from './fcm-access-token';
import { DEFAULT_FCM_ENDPOINT } from './fcm.provider';

/** An unset variable and an empty one (`X=` in an env file) mean the same: not configured. */
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const base64urlKey = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, `must be base64url (${what})`)
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `must encode ${bytes} bytes (${what})`);

/** PEM in one environment line: `\n` escapes are accepted. */
const ApnsPrivateKeyPem = z
  .string()
  .transform((v) => v.replace(/\\n/g, '\n'))
  .refine((pem) => {
    try {
      const key = createPrivateKey(pem);
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    } catch {
      return false;
    }
  }, 'must be the .p8 key as PEM (a P-256 EC private key)');

const ServiceAccountJson = z.string().transform((text, ctx) => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be the service account key file content (JSON)' });
    return z.NEVER;
  }
  const parsed = FcmServiceAccount.safeParse(json);
  if (parsed.success) return parsed.data;
  ctx.addIssue({ code: 'custom', message: `not a usable service account: ${parsed.error.issues.map((i) => i.message).join('; ')}` });
  return z.NEVER;
});

const appleId = z.string().regex(/^[A-Z0-9]{10}$/, 'must be the 10-character id Apple shows');

/**
 * The push providers' settings. A provider is on when all of its variables are set; spread
 * this into a service schema together with `.superRefine(requireCompletePushSettings)`.
 */
export const PushProvidersEnv = z.object({
  /** From `npx web-push generate-vapid-keys`; the public one is the browsers' applicationServerKey. */
  WEB_PUSH_VAPID_PUBLIC_KEY: optional(base64urlKey(65, 'an uncompressed P-256 public key')),
  WEB_PUSH_VAPID_PRIVATE_KEY: optional(base64urlKey(32, 'a P-256 private key')),
  WEB_PUSH_SUBJECT: optional(z.string().regex(/^(mailto:.+|https:\/\/.+)$/, 'must be a mailto: or https: URL')),
  /** The content of the Firebase service account key file (JSON), not its path. */
  FCM_SERVICE_ACCOUNT_JSON: optional(ServiceAccountJson),
  FCM_ENDPOINT: z.url({ protocol: /^https?$/ }).default(DEFAULT_FCM_ENDPOINT),
  APNS_KEY_ID: optional(appleId),
  APNS_TEAM_ID: optional(appleId),
  APNS_PRIVATE_KEY: optional(ApnsPrivateKeyPem),
  APNS_BUNDLE_ID: optional(z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be the app bundle id (e.g. com.example.parley)')),
  /** https://api.push.apple.com, or https://api.sandbox.push.apple.com for development builds of the app. */
  APNS_ENDPOINT: z.url({ protocol: /^https?$/ }).default(APNS_PRODUCTION_ORIGIN),
  /** Deadline of one request to a push service (a silent one costs a retry, not a stuck sender). */
  PUSH_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});
export type PushProvidersEnv = z.infer<typeof PushProvidersEnv>;
export type PushProvidersConfig = PushProvidersEnv & { NODE_ENV: string };

const GROUPS = {
  'Web Push': ['WEB_PUSH_VAPID_PUBLIC_KEY', 'WEB_PUSH_VAPID_PRIVATE_KEY', 'WEB_PUSH_SUBJECT'],
  FCM: ['FCM_SERVICE_ACCOUNT_JSON'],
  APNs: ['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_PRIVATE_KEY', 'APNS_BUNDLE_ID'],
} as const satisfies Record<string, readonly (keyof PushProvidersEnv)[]>;

/**
 * Each provider's variables come all together or not at all; production needs VAPID keys
 * (ephemeral development keys would silently kill every browser subscription at each restart).
 */
export function requireCompletePushSettings(config: PushProvidersConfig, ctx: z.RefinementCtx): void {
  for (const [provider, names] of Object.entries(GROUPS)) {
    const missing = names.filter((name) => config[name] === undefined);
    if (missing.length > 0 && missing.length < names.length) {
      ctx.addIssue({ code: 'custom', path: [missing[0]], message: `${provider} is partly configured: set ${missing.join(', ')} too (or none of ${names.join(', ')})` });
    }
  }
  const { WEB_PUSH_VAPID_PUBLIC_KEY: publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: privateKey } = config;
  if (config.NODE_ENV === 'production' && publicKey === undefined && privateKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['WEB_PUSH_VAPID_PUBLIC_KEY'], message: 'Web Push needs WEB_PUSH_VAPID_PUBLIC_KEY, WEB_PUSH_VAPID_PRIVATE_KEY and WEB_PUSH_SUBJECT in production (npx web-push generate-vapid-keys)' });
  }
  if (publicKey && privateKey && !vapidKeysMatch(publicKey, privateKey)) {
    ctx.addIssue({ code: 'custom', path: ['WEB_PUSH_VAPID_PUBLIC_KEY'], message: 'is not the public key of WEB_PUSH_VAPID_PRIVATE_KEY' });
  }
}

function vapidKeysMatch(publicKey: string, privateKey: string): boolean {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    return ecdh.getPublicKey().equals(Buffer.from(publicKey, 'base64url'));
  } catch {
    return false;
  }
}
