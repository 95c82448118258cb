import { PushPlatform, WebPushSubscription } from '@parley/contracts';

/** Where one device's pushes go, as stored at registration. */
export type PushTarget =
  | { platform: 'webpush'; subscription: WebPushSubscription }
  | { platform: 'fcm'; token: string }
  | { platform: 'apns'; token: string };

/**
 * One push to one device. `alert` is shown on the lock screen; `clear` is silent: it
 * replaces the conversation's shown notification (same `collapseKey`) with nothing and
 * sets the badge.
 */
export interface PushNotification {
  kind: 'alert' | 'clear';
  /** Per conversation: a newer push with the same key replaces the older one on the device. */
  collapseKey: string;
  /** The user's total unread messages. */
  badge: number;
  /** Lock-screen text (alert only); already reduced to what the privacy setting allows. */
  title?: string;
  body?: string;
  /** Small string map the app receives with the push: conversationId, seq range, count. */
  data: Record<string, string>;
  /** How long the provider may hold the push for an unreachable device. */
  ttlSeconds: number;
}

/**
 * What a provider made of one push:
 * - `sent`: accepted by the provider;
 * - `gone`: the registration is dead (404/410, unregistered token): remove it;
 * - `retry`: try again later (429, 5xx, network); `retryAfterMs` when the provider said;
 * - `rejected`: the push itself was refused (4xx other than the above): retrying won't help.
 */
export type PushOutcome =
  | { status: 'sent' }
  | { status: 'gone'; reason: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'rejected'; reason: string };

/** One push service behind one interface (Web Push, FCM, APNs). Never throws: every failure is an outcome. */
export interface PushProvider {
  readonly platform: PushPlatform;
  send(target: PushTarget, notification: PushNotification): Promise<PushOutcome>;
  /** Releases long-lived connections (APNs keeps an HTTP/2 session); called at shutdown. */
  close?(): Promise<void>;
}

/** Nest token for the configured providers (a `PushProvider[]`). */
export const PUSH_PROVIDERS = Symbol('PUSH_PROVIDERS');
