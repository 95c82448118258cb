import { z } from 'zod';
import { command, event, ServiceName } from './nats-contract';
import { Actor, Id, IsoTime } from './shapes';

/** A `typing: true` ends by itself this long after the typist's last `typing: true` (client contract). */
export const TYPING_EXPIRY_MS = 6000;
/** Most users one `presence.subscribe` may name; the per-socket total is a gateway setting. */
export const MAX_PRESENCE_USERS_PER_CALL = 500;

// ---- Client contract (Socket.IO) ----

const PresenceUserIds = z.array(Id).min(1).max(MAX_PRESENCE_USERS_PER_CALL);

export const PresenceSubscribeInput = z.strictObject({ userIds: PresenceUserIds });
export type PresenceSubscribeInput = z.infer<typeof PresenceSubscribeInput>;

export const PresenceUnsubscribeInput = z.strictObject({ userIds: PresenceUserIds });
export type PresenceUnsubscribeInput = z.infer<typeof PresenceUnsubscribeInput>;

export const TypingInput = z.strictObject({ conversationId: Id, typing: z.boolean() });
export type TypingInput = z.infer<typeof TypingInput>;

export const PresenceStatus = z.enum(['online', 'offline']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/**
 * What a subscriber sees. `lastSeenAt` is when the user's last device left (null when the
 * user was never seen); while online it keeps the previous departure.
 */
export const Presence = z.object({ userId: Id, status: PresenceStatus, lastSeenAt: IsoTime.nullable() });
export type Presence = z.infer<typeof Presence>;

export const TypingNotice = z.object({ conversationId: Id, userId: Id, typing: z.boolean() });
export type TypingNotice = z.infer<typeof TypingNotice>;

// ---- NATS contract between gateways and the presence service ----

const NodeId = z.string().regex(/^[A-Za-z0-9_-]+$/).max(128);

/** One device of a user connected to one gateway node (however many sockets it has there). */
export const DeviceSession = z.object({
  userId: Id,
  orgId: Id,
  deviceId: Actor.shape.deviceId,
  connectedAt: IsoTime,
});
export type DeviceSession = z.infer<typeof DeviceSession>;

/** What the admin API shows: one entry per device session, `node` being the gateway holding it. */
export const SessionView = z.object({ userId: Id, deviceId: z.string(), connectedAt: IsoTime, node: z.string() });
export type SessionView = z.infer<typeof SessionView>;

/** The most device sessions one snapshot message carries (keeps each message far below NATS's 1 MB). */
export const SNAPSHOT_PART_SIZE = 1000;

/** A gateway's first socket of a device opened. */
export const DeviceSessionOpened = event('presence.session.opened', z.object({ node: NodeId, session: DeviceSession }));

/** A gateway's last socket of a device closed. */
export const DeviceSessionClosed = event(
  'presence.session.closed',
  z.object({ node: NodeId, userId: Id, deviceId: Actor.shape.deviceId, at: IsoTime }),
);

/**
 * Every PRESENCE_HEARTBEAT_MS from each gateway. `count` and `digest` summarize its device
 * sessions (see sessionDigest) so the presence service can tell when it missed an open or a
 * close and ask for a snapshot.
 */
export const GatewayHeartbeat = event(
  'presence.gateway.heartbeat',
  z.object({ node: NodeId, count: z.int().nonnegative(), digest: z.int().nonnegative() }),
);

/**
 * A gateway's complete set of device sessions, in `parts` messages published back to back;
 * the presence service replaces what it held for the node once every part arrived.
 */
export const GatewaySnapshot = event(
  'presence.gateway.snapshot',
  z.object({
    node: NodeId,
    snapshotId: z.string().min(1).max(64),
    part: z.int().nonnegative(),
    parts: z.int().positive(),
    sessions: z.array(DeviceSession).max(SNAPSHOT_PART_SIZE),
  }),
);

/** The presence service asks one gateway (`node`) or all of them (at its start) for a snapshot. */
export const SnapshotRequested = event('presence.snapshot.requested', z.object({ node: NodeId.optional() }));

/**
 * A user's presence changed. `rev` grows with every change the service makes, so a gateway
 * can tell which of two states of a user is newer.
 */
export const PresenceChanged = event('presence.changed', z.object({ presence: Presence, rev: z.int().nonnegative() }));

/** A client's `typing`, forwarded by its gateway with the verified actor. */
export const TypingReported = event('presence.typing.reported', z.object({ actor: Actor, input: TypingInput }));

/** A typing state to show: the gateways emit `typing` to `recipientIds` (the other members). */
export const TypingChanged = event('presence.typing.changed', z.object({ notice: TypingNotice, recipientIds: z.array(Id) }));

export const PresenceCommands = {
  /** Current presence of users of the caller's org; FORBIDDEN if any is not of that org. */
  query: command(
    ServiceName.Presence,
    'presence.query',
    z.strictObject({ orgId: Id, userIds: PresenceUserIds }),
    /** `rev`: the last change the answer reflects (a PresenceChanged with a higher rev is newer). */
    z.object({ presences: z.array(Presence), rev: z.int().nonnegative() }),
  ),
  /** Live device sessions on every gateway, of one user or of everyone. */
  sessions: command(ServiceName.Presence, 'presence.sessions', z.strictObject({ userId: Id.optional() }), z.object({ sessions: z.array(SessionView) })),
} as const;

/**
 * An order-independent summary of a set of device sessions: both sides add a session's hash
 * when it opens and subtract it when it closes, so comparing two digests costs nothing.
 */
export const sessionDigest = {
  empty: 0,
  add(digest: number, userId: string, deviceId: string): number {
    return (digest + sessionHash(userId, deviceId)) >>> 0;
  },
  remove(digest: number, userId: string, deviceId: string): number {
    return (digest - sessionHash(userId, deviceId)) >>> 0;
  },
};

/** FNV-1a over `userId \0 deviceId` (ids cannot contain NUL). */
function sessionHash(userId: string, deviceId: string): number {
  let hash = 0x811c9dc5;
  const key = `${userId}\u0000${deviceId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The JetStream key-value bucket where the presence service keeps who is online and when users were last seen. */
export function presenceBucketName(prefix: string): string {
  return `${prefix}_presence`;
}
