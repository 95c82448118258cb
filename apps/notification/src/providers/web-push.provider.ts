import webpush from 'web-push';
import { hashedCollapseKey } from './collapse-key';
import { describeError, responseText, retryOutcome, unansweredOutcome, wrongPlatformOutcome } from './push-outcomes';
import { PushNotification, PushOutcome, PushProvider, PushTarget } from './push-provider';

export interface VapidKeys {
  /** `mailto:` or `https:` contact the push services may use to reach us. */
  subject: string;
  /** base64url, uncompressed P-256 point (65 bytes): the browser's `applicationServerKey`. */
  publicKey: string;
  /** base64url, 32 bytes. */
  privateKey: string;
}

export interface WebPushProviderOptions {
  vapid: VapidKeys;
  requestTimeoutMs: number;
}

/** What the service worker receives (decrypted) in its `push` event. */
export interface WebPushPayload {
  kind: PushNotification['kind'];
  title?: string;
  body?: string;
  badge: number;
  data: Record<string, string>;
  collapseKey: string;
}

/**
 * Web Push (RFC 8030) with aes128gcm payloads (RFC 8291) and VAPID (RFC 8292). The
 * `web-push` library encrypts and signs; the request itself goes through fetch, which
 * (unlike the library's own sender) enforces a whole-request deadline.
 */
export class WebPushProvider implements PushProvider {
  readonly platform = 'webpush' as const;

  constructor(private readonly options: WebPushProviderOptions) {}

  /** The key browsers must subscribe with (`pushManager.subscribe({ applicationServerKey })`). */
  get vapidPublicKey(): string {
    return this.options.vapid.publicKey;
  }

  async send(target: PushTarget, notification: PushNotification): Promise<PushOutcome> {
    if (target.platform !== 'webpush') return wrongPlatformOutcome('webpush', target.platform);
    let request: webpush.RequestDetails;
    try {
      request = webpush.generateRequestDetails(target.subscription, JSON.stringify(webPushPayload(notification)), {
        vapidDetails: this.options.vapid,
        contentEncoding: 'aes128gcm',
        TTL: notification.ttlSeconds,
        urgency: notification.kind === 'alert' ? 'high' : 'normal',
        topic: hashedCollapseKey(notification.collapseKey),
      });
    } catch (error) {
      return { status: 'rejected', reason: `cannot encrypt for this subscription: ${describeError(error)}` };
    }
    let response: Response;
    try {
      response = await fetch(request.endpoint, {
        method: 'POST',
        headers: requestHeaders(request.headers),
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      return unansweredOutcome(error);
    }
    return webPushOutcome(response.status, await responseText(response), response.headers.get('retry-after'));
  }
}

export function webPushPayload(notification: PushNotification): WebPushPayload {
  const { kind, title, body, badge, data, collapseKey } = notification;
  return { kind, ...(title !== undefined && { title }), ...(body !== undefined && { body }), badge, data, collapseKey };
}

/** The library's headers as fetch wants them: strings, and no Content-Length (fetch sets it). */
function requestHeaders(headers: webpush.Headers): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => name.toLowerCase() !== 'content-length')
      .map(([name, value]) => [name, String(value)]),
  );
}

function webPushOutcome(status: number, body: string, retryAfter: string | null): PushOutcome {
  const reason = `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  if (status === 200 || status === 201 || status === 202) return { status: 'sent' };
  if (status === 404 || status === 410) return { status: 'gone', reason };
  if (status === 429 || status >= 500) return retryOutcome(reason, retryAfter);
  return { status: 'rejected', reason };
}
