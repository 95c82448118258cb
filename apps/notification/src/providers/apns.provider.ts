import jwt from 'jsonwebtoken';
import { collapseKeyWithin } from './collapse-key';
import { Http2Origin, Http2Response } from './http2-origin';
import { describeError, parseJson, retryOutcome, unansweredOutcome, wrongPlatformOutcome } from './push-outcomes';
import { PushNotification, PushOutcome, PushProvider, PushTarget } from './push-provider';
import { RefreshingToken } from './refreshing-token';

export const APNS_PRODUCTION_ORIGIN = 'https://api.push.apple.com';
export const APNS_SANDBOX_ORIGIN = 'https://api.sandbox.push.apple.com';
/** Apple accepts a provider token for an hour and refuses renewals more often than every 20 minutes. */
const PROVIDER_TOKEN_REUSE_MS = 50 * 60_000;

export interface ApnsProviderOptions {
  /** The 10-character key id of the .p8 key. */
  keyId: string;
  teamId: string;
  /** The .p8 key (PEM, P-256). */
  privateKey: string;
  /** The app's bundle id: the `apns-topic`. */
  bundleId: string;
  /** APNS_PRODUCTION_ORIGIN, APNS_SANDBOX_ORIGIN, or a fake in tests. */
  origin: string;
  requestTimeoutMs: number;
}

/** Apple Push Notification service over HTTP/2 with token (JWT) authentication. */
export class ApnsProvider implements PushProvider {
  readonly platform = 'apns' as const;
  private readonly connection: Http2Origin;
  private readonly providerToken: RefreshingToken;

  constructor(private readonly options: ApnsProviderOptions) {
    this.connection = new Http2Origin(options.origin);
    this.providerToken = new RefreshingToken(async () => ({
      value: jwt.sign({ iss: options.teamId }, options.privateKey, { algorithm: 'ES256', keyid: options.keyId }),
      useUntilMs: Date.now() + PROVIDER_TOKEN_REUSE_MS,
    }));
  }

  async send(target: PushTarget, notification: PushNotification): Promise<PushOutcome> {
    if (target.platform !== 'apns') return wrongPlatformOutcome('apns', target.platform);
    const body = JSON.stringify(apnsPayload(notification));
    // ExpiredProviderToken: the token outlived Apple's patience (clock skew); one new token, one more try.
    for (let attempt = 1; ; attempt++) {
      let token: string;
      try {
        token = await this.providerToken.get();
      } catch (error) {
        return { status: 'rejected', reason: `cannot sign the provider token: ${describeError(error)}` };
      }
      let response: Http2Response;
      try {
        response = await this.connection.request(this.headers(target.token, token, notification), body, this.options.requestTimeoutMs);
      } catch (error) {
        return unansweredOutcome(error);
      }
      const reason = apnsReason(response.body);
      if (response.status === 403 && reason === 'ExpiredProviderToken' && attempt === 1) {
        this.providerToken.invalidate(token);
        continue;
      }
      return apnsOutcome(response, reason);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private headers(deviceToken: string, providerToken: string, notification: PushNotification) {
    const alert = notification.kind === 'alert';
    return {
      ':method': 'POST',
      ':path': `/3/device/${encodeURIComponent(deviceToken)}`,
      authorization: `bearer ${providerToken}`,
      'apns-topic': this.options.bundleId,
      'apns-push-type': alert ? 'alert' : 'background',
      'apns-priority': alert ? '10' : '5',
      'apns-collapse-id': collapseKeyWithin(notification.collapseKey, 64),
      'apns-expiration': String(apnsExpiration(notification.ttlSeconds)),
      'content-type': 'application/json',
    };
  }
}

/** APNs `apns-expiration`: epoch seconds, or 0 for "deliver now or never". */
export function apnsExpiration(ttlSeconds: number, now = Date.now()): number {
  return ttlSeconds <= 0 ? 0 : Math.floor(now / 1000) + ttlSeconds;
}

/** The app's data at the top level beside `aps` (which it cannot override). */
export function apnsPayload(notification: PushNotification): Record<string, unknown> {
  const { kind, title, body, badge, data, collapseKey } = notification;
  const shown = { ...(title !== undefined && { title }), ...(body !== undefined && { body }) };
  const aps =
    kind === 'alert'
      ? { ...(Object.keys(shown).length > 0 && { alert: shown }), badge, sound: 'default', 'thread-id': collapseKey }
      : { 'content-available': 1, badge };
  return { ...data, aps };
}

function apnsReason(body: string): string {
  const parsed = parseJson(body) as { reason?: unknown } | undefined;
  return typeof parsed?.reason === 'string' ? parsed.reason : '';
}

function apnsOutcome(response: Http2Response, reason: string): PushOutcome {
  const { status } = response;
  const described = `HTTP ${status}${reason ? ` ${reason}` : ''}`;
  if (status === 200) return { status: 'sent' };
  if (status === 410 || (status === 400 && reason === 'BadDeviceToken')) return { status: 'gone', reason: described };
  if (status === 429 || status >= 500) {
    const retryAfter = response.headers['retry-after'];
    return retryOutcome(described, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }
  return { status: 'rejected', reason: described };
}
