import { createPrivateKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { describeError, parseJson, responseText } from './push-outcomes';
import { IssuedToken, RefreshingToken } from './refreshing-token';

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Google caps the assertion at one hour. */
const ASSERTION_LIFETIME_S = 3600;
/** Renew this long before Google's expiry, so no request carries a token that dies in flight. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/** The fields of a Google service account key file that the OAuth exchange needs. */
export const FcmServiceAccount = z.object({
  project_id: z.string().min(1, 'project_id is missing'),
  client_email: z.email('client_email must be an email address'),
  private_key: z.string().refine(isRsaPrivateKey, 'private_key must be a PEM RSA private key'),
  token_uri: z.url({ protocol: /^https?$/, error: 'token_uri must be an http(s) URL' }),
});
export type FcmServiceAccount = z.infer<typeof FcmServiceAccount>;

/** Why no access token could be had: `retry` when Google could not answer, `rejected` when it refused the account. */
export class AccessTokenError extends Error {
  override name = 'AccessTokenError';
  constructor(
    message: string,
    readonly outcome: 'retry' | 'rejected',
    readonly retryAfter?: string | null,
  ) {
    super(message);
  }
}

/** An OAuth 2.0 access token for FCM from the service account (RFC 7523 JWT bearer grant), cached until shortly before expiry. */
export function fcmAccessToken(account: FcmServiceAccount, requestTimeoutMs: number): RefreshingToken {
  return new RefreshingToken(() => exchangeAssertion(account, requestTimeoutMs));
}

async function exchangeAssertion(account: FcmServiceAccount, requestTimeoutMs: number): Promise<IssuedToken> {
  const assertion = jwt.sign({ scope: FCM_SCOPE }, account.private_key, {
    algorithm: 'RS256',
    issuer: account.client_email,
    audience: account.token_uri,
    expiresIn: ASSERTION_LIFETIME_S,
  });
  let response: Response;
  try {
    response = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    throw new AccessTokenError(`token endpoint unreachable: ${describeError(error)}`, 'retry');
  }
  const text = await responseText(response);
  if (!response.ok) {
    const outcome = response.status === 429 || response.status >= 500 ? 'retry' : 'rejected';
    throw new AccessTokenError(`token endpoint answered ${response.status}: ${text.slice(0, 200)}`, outcome, response.headers.get('retry-after'));
  }
  const parsed = TokenResponse.safeParse(parseJson(text));
  if (!parsed.success) throw new AccessTokenError('token endpoint gave no access_token', 'retry');
  const lifetimeMs = parsed.data.expires_in * 1000;
  return { value: parsed.data.access_token, useUntilMs: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 2) };
}

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

function isRsaPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
