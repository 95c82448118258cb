import { z } from 'zod';
import { DatabaseEnv, HealthEnv, NatsEnv, NodeIdEnv, RuntimeEnv } from '@parley/config';
import { PushProvidersEnv, requireCompletePushSettings } from './providers/push-providers.config';

const ms = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** When and what the notification service pushes (docs/notifications.md explains each rule). */
export const PushRulesEnv = z.object({
  /** A device that has not acknowledged a message as delivered this long after it was stored gets a push. */
  PUSH_DELIVERY_GRACE_MS: ms(3000, 0),
  /** At most one alert per conversation and device in this window; later messages are counted into the next. */
  PUSH_COLLAPSE_WINDOW_MS: ms(10_000, 0),
  /** `preview`: sender and the start of the message on the lock screen; `generic`: only "New message". */
  PUSH_CONTENT: z.enum(['preview', 'generic']).default('preview'),
  /** The title of `generic` pushes. */
  PUSH_APP_NAME: z.string().min(1).max(100).default('Parley'),
  /** How long a provider may hold a push for a device that is off. */
  PUSH_TTL_SECONDS: z.coerce.number().int().min(0).max(28 * 24 * 3600).default(24 * 3600),
  /** Tries per push before it is given up (429, 5xx and network failures are retried with backoff). */
  PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; it doubles per attempt up to PUSH_RETRY_MAX_MS (a provider's Retry-After wins when longer). */
  PUSH_RETRY_BASE_MS: ms(1000),
  PUSH_RETRY_MAX_MS: ms(5 * 60_000),
  /** How often due pushes are looked for, and how many one pass takes. */
  PUSH_DISPATCH_INTERVAL_MS: ms(250),
  PUSH_DISPATCH_BATCH: z.coerce.number().int().min(1).max(500).default(100),
  /** A replica that took due pushes and died gives them back after this long. */
  PUSH_LEASE_MS: ms(60_000),
  /** The message stream consumer redelivers an event not acknowledged within this time. */
  PUSH_CONSUMER_ACK_WAIT_MS: ms(30_000, 1000),
  /**
   * How often the stream consumer asks for new events when it found less than a full batch:
   * alerts are due seconds later anyway, and every poll takes what arrived since in one batch.
   */
  PUSH_INTAKE_POLL_MS: z.coerce.number().int().min(10).max(5000).default(200),
});
export type PushRulesConfig = z.infer<typeof PushRulesEnv>;

export const NotificationConfigSchema = z
  .object({
    ...RuntimeEnv.shape,
    ...NatsEnv.shape,
    ...DatabaseEnv.pick({ DIRECTORY_DATABASE_URL: true, DATABASE_POOL_SIZE: true }).shape,
    ...HealthEnv(3104).shape,
    ...NodeIdEnv('notification').shape,
    ...PushRulesEnv.shape,
    ...PushProvidersEnv.shape,
  })
  .refine((c) => c.PUSH_RETRY_MAX_MS >= c.PUSH_RETRY_BASE_MS, { error: 'PUSH_RETRY_MAX_MS must be at least PUSH_RETRY_BASE_MS', path: ['PUSH_RETRY_MAX_MS'] })
  .superRefine(requireCompletePushSettings);
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;

/** Injection token for the validated NotificationConfig. */
export const NOTIFICATION_CONFIG = Symbol('NOTIFICATION_CONFIG');
