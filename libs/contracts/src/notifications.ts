import { z } from 'zod';
import { withActor } from './commands';
import { command, ServiceName } from './nats-contract';
import { Actor, Id, IsoTime } from './shapes';
import { text } from './validation';

// ---- Client contract (REST and Socket.IO) ----

/** Push platforms a device may register for. */
export const PushPlatform = z.enum(['webpush', 'fcm', 'apns']);
export type PushPlatform = z.infer<typeof PushPlatform>;

const base64url = (field: string, bytes: number) =>
  z
    .string({ error: `${field} must be a string` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: `${field} must be base64url` })
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, { error: `${field} must encode ${bytes} bytes` });

/** A browser's PushSubscription as `PushSubscription.toJSON()` gives it. */
export const WebPushSubscription = z.object({
  endpoint: z
    .url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL' })
    .max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    /** The browser's P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url('keys.p256dh', 65),
    /** The 16-byte authentication secret. */
    auth: base64url('keys.auth', 16),
  }),
});
export type WebPushSubscription = z.infer<typeof WebPushSubscription>;

const DeviceId = Actor.shape.deviceId;

/** What a device registers: one target per (user, deviceId); registering again replaces it. */
export const PushRegistrationInput = z.discriminatedUnion('platform', [
  z.strictObject({ deviceId: DeviceId, platform: z.literal('webpush'), subscription: WebPushSubscription }),
  z.strictObject({ deviceId: DeviceId, platform: z.literal('fcm'), token: text('token').min(1).max(4096) }),
  z.strictObject({
    deviceId: DeviceId,
    platform: z.literal('apns'),
    token: z.string().regex(/^[0-9a-fA-F]{64,200}$/, { error: 'token must be the hex APNs device token' }),
  }),
]);
export type PushRegistrationInput = z.infer<typeof PushRegistrationInput>;

/** A registration as the client sees it back (no key material). */
export const PushRegistration = z.object({
  deviceId: z.string(),
  platform: PushPlatform,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type PushRegistration = z.infer<typeof PushRegistration>;

export const PushUnregisterInput = z.strictObject({ deviceId: DeviceId });
export type PushUnregisterInput = z.infer<typeof PushUnregisterInput>;

/**
 * `conversation.mute`: no pushes for this conversation to any of the caller's devices,
 * until `until` (ISO time) or for good; `muted: false` lifts it.
 */
export const ConversationMuteInput = z.strictObject({
  conversationId: Id,
  muted: z.boolean(),
  until: z.iso.datetime({ offset: true, error: 'until must be an ISO-8601 time' }).optional(),
});
export type ConversationMuteInput = z.infer<typeof ConversationMuteInput>;

export const MuteState = z.object({ conversationId: Id, muted: z.boolean(), until: IsoTime.optional() });
export type MuteState = z.infer<typeof MuteState>;

// ---- NATS contract: gateway → notification service ----

/** What a client needs before it registers: the platforms this deployment pushes to, and the VAPID key browsers subscribe with. */
export const PushConfig = z.object({ platforms: z.array(PushPlatform), webPushPublicKey: z.string().optional() });
export type PushConfig = z.infer<typeof PushConfig>;

export const NotificationCommands = {
  pushConfig: command(ServiceName.Notification, 'push.config', z.strictObject({}), PushConfig),
  pushRegister: command(ServiceName.Notification, 'push.register', withActor(PushRegistrationInput), PushRegistration),
  pushUnregister: command(ServiceName.Notification, 'push.unregister', withActor(PushUnregisterInput), z.object({})),
  pushList: command(ServiceName.Notification, 'push.list', withActor(z.strictObject({})), z.object({ registrations: z.array(PushRegistration) })),
  muteSet: command(ServiceName.Notification, 'mute.set', withActor(ConversationMuteInput), MuteState),
  muteList: command(ServiceName.Notification, 'mute.list', withActor(z.strictObject({})), z.object({ mutes: z.array(MuteState) })),
} as const;

// ---- NATS contract: notification service → history (what it needs to decide) ----

/** Most devices or users one question may name. */
export const MAX_DELIVERY_STATE_ENTRIES = 500;

/** One registered device of a member, and the seqs its next push may cover: (afterSeq, upToSeq]. */
export const PushCandidate = z.object({
  userId: Id,
  deviceId: DeviceId,
  conversationId: Id,
  afterSeq: z.int().nonnegative(),
  upToSeq: z.int().nonnegative(),
});
export type PushCandidate = z.infer<typeof PushCandidate>;

/**
 * What the store says about a candidate: the messages of others in (afterSeq, upToSeq]
 * that this device has not acknowledged and its user has not read.
 */
export const UnseenMessages = PushCandidate.pick({ userId: true, deviceId: true, conversationId: true }).extend({
  count: z.int().nonnegative(),
  /** The lowest and highest unseen seq (absent when count is 0). */
  firstSeq: z.int().positive().optional(),
  lastSeq: z.int().positive().optional(),
  /** Distinct senders of the unseen messages, newest last, at most 10. */
  senderIds: z.array(Id),
  /** The newest unseen message's body, when asked for and not redacted. */
  preview: z.string().optional(),
});
export type UnseenMessages = z.infer<typeof UnseenMessages>;

export const HistoryDeliveryCommands = {
  /** Each candidate's unseen messages; candidates whose user is not a member are left out. */
  unseenMessages: command(
    ServiceName.History,
    'delivery.unseen',
    z.strictObject({ orgId: Id, candidates: z.array(PushCandidate).min(1).max(MAX_DELIVERY_STATE_ENTRIES), withPreview: z.boolean() }),
    z.object({ entries: z.array(UnseenMessages) }),
  ),
  /** Each user's unread messages over all its conversations (the badge). */
  unreadTotals: command(
    ServiceName.History,
    'unread.totals',
    z.strictObject({ orgId: Id, userIds: z.array(Id).min(1).max(MAX_DELIVERY_STATE_ENTRIES) }),
    z.object({ totals: z.record(z.string(), z.int().nonnegative()) }),
  ),
} as const;
