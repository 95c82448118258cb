import { z } from 'zod';
import { apnsExpiration } from './apns.provider';
import { collapseKeyWithin } from './collapse-key';
import { AccessTokenError, fcmAccessToken, FcmServiceAccount } from './fcm-access-token';
import { describeError, parseJson, responseText, retryOutcome, unansweredOutcome, wrongPlatformOutcome } from './push-outcomes';
import { PushNotification, PushOutcome, PushProvider, PushTarget } from './push-provider';
import { RefreshingToken } from './refreshing-token';

export const DEFAULT_FCM_ENDPOINT = 'https://fcm.googleapis.com';

export interface FcmProviderOptions {
  serviceAccount: FcmServiceAccount;
  /** Origin of the FCM API (tests point it at a fake). */
  endpoint: string;
  requestTimeoutMs: number;
}

/** Firebase Cloud Messaging, HTTP v1 API, authorised by a service account. */
export class FcmProvider implements PushProvider {
  readonly platform = 'fcm' as const;
  private readonly accessToken: RefreshingToken;
  private readonly sendUrl: string;

  constructor(private readonly options: FcmProviderOptions) {
    this.accessToken = fcmAccessToken(options.serviceAccount, options.requestTimeoutMs);
    this.sendUrl = new URL(`/v1/projects/${encodeURIComponent(options.serviceAccount.project_id)}/messages:send`, options.endpoint).href;
  }

  async send(target: PushTarget, notification: PushNotification): Promise<PushOutcome> {
    if (target.platform !== 'fcm') return wrongPlatformOutcome('fcm', target.platform);
    const body = JSON.stringify({ message: fcmMessage(target.token, notification) });
    // A 401 means Google stopped honouring a cached token early: one fresh token, one more try.
    for (let attempt = 1; ; attempt++) {
      let token: string;
      try {
        token = await this.accessToken.get();
      } catch (error) {
        if (error instanceof AccessTokenError && error.outcome === 'retry') return retryOutcome(error.message, error.retryAfter);
        return { status: 'rejected', reason: `no access token: ${describeError(error)}` };
      }
      let response: Response;
      try {
        response = await fetch(this.sendUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
      } catch (error) {
        return unansweredOutcome(error);
      }
      const text = await responseText(response);
      if (response.status === 401 && attempt === 1) {
        this.accessToken.invalidate(token);
        continue;
      }
      return fcmOutcome(response.status, text, response.headers.get('retry-after'));
    }
  }
}

/** The v1 `Message`: a visible notification for alerts, a data-only message for clears (the app removes the shown one). */
export function fcmMessage(token: string, notification: PushNotification) {
  const { kind, title, body, badge, data, collapseKey, ttlSeconds } = notification;
  const alert = kind === 'alert';
  const shown = { ...(title !== undefined && { title }), ...(body !== undefined && { body }) };
  const apnsCollapseId = collapseKeyWithin(collapseKey, 64);
  return {
    token,
    ...(alert && { notification: shown }),
    data: { ...data, kind, collapseKey, badge: String(badge) },
    android: {
      collapse_key: collapseKey,
      priority: alert ? 'high' : 'normal',
      ttl: `${ttlSeconds}s`,
      ...(alert && { notification: { tag: collapseKey, notification_count: badge } }),
    },
    apns: {
      headers: {
        'apns-collapse-id': apnsCollapseId,
        'apns-priority': alert ? '10' : '5',
        'apns-push-type': alert ? 'alert' : 'background',
        'apns-expiration': String(apnsExpiration(ttlSeconds)),
      },
      payload: { aps: alert ? { badge, sound: 'default', 'thread-id': collapseKey } : { badge, 'content-available': 1 } },
    },
  };
}

const FcmErrorBody = z.object({
  error: z.object({
    status: z.string().optional(),
    message: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          errorCode: z.string().optional(),
          fieldViolations: z.array(z.looseObject({ field: z.string().optional(), description: z.string().optional() })).optional(),
        }),
      )
      .optional(),
  }),
});

function fcmOutcome(status: number, text: string, retryAfter: string | null): PushOutcome {
  if (status === 200) return { status: 'sent' };
  const error = FcmErrorBody.safeParse(parseJson(text)).data?.error;
  const codes = new Set([error?.status, ...(error?.details ?? []).map((d) => d.errorCode)].filter(Boolean));
  const reason = `HTTP ${status} ${[...codes].join('/')}${error?.message ? `: ${error.message}` : ''}`.trim();
  if (status === 404 || codes.has('UNREGISTERED') || codes.has('NOT_FOUND')) return { status: 'gone', reason };
  if (status === 429 || status >= 500 || codes.has('UNAVAILABLE') || codes.has('QUOTA_EXCEEDED')) return retryOutcome(reason, retryAfter);
  if (status === 400 && badRegistrationToken(error)) return { status: 'gone', reason };
  return { status: 'rejected', reason };
}

/** INVALID_ARGUMENT is about the token only when Google says so (the message itself can be the invalid argument). */
function badRegistrationToken(error: z.infer<typeof FcmErrorBody>['error'] | undefined): boolean {
  const aboutToken = (text?: string) => /registration token/i.test(text ?? '');
  const violations = (error?.details ?? []).flatMap((d) => d.fieldViolations ?? []);
  return aboutToken(error?.message) || violations.some((v) => v.field === 'message.token' || aboutToken(v.description));
}
