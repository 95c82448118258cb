import { z } from 'zod';
import { text } from './validation';

export const MAX_BODY_LENGTH = 4000;
export const MAX_CLIENT_MSG_ID_LENGTH = 64;
export const MAX_DEVICE_ID_LENGTH = 64;
export const MAX_GROUP_MEMBERS = 1000;
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 50;
/** Messages per conversation in one `sync` answer: default and most a client may ask. */
export const DEFAULT_SYNC_LIMIT = 100;
export const MAX_SYNC_LIMIT = 500;
/** Conversations with updates in one `sync` answer; more are signalled with a top-level `hasMore`. */
export const MAX_SYNC_CONVERSATIONS = 100;
/** Entries a `sync` request's `since` may hold. */
export const MAX_SYNC_CURSORS = 2000;
/** Users one `directory.users.active` request may ask about. */
export const MAX_ACTIVE_CHECKS = 500;

export const Id = text('id').min(1).max(128);
export const Seq = z.int().positive();
export const IsoTime = z.string();

export const ConversationKind = z.enum(['direct', 'group']);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const Message = z.object({
  id: Id,
  conversationId: Id,
  seq: Seq,
  senderId: Id,
  clientMsgId: z.string(),
  body: z.string(),
  createdAt: IsoTime,
  redacted: z.literal(true).optional(),
});
export type Message = z.infer<typeof Message>;

export const Conversation = z.object({
  id: Id,
  orgId: Id,
  kind: ConversationKind,
  title: z.string().optional(),
  memberIds: z.array(Id),
  lastSeq: z.int().nonnegative(),
  lastMessage: Message.optional(),
  readSeq: z.int().nonnegative(),
  deliveredSeq: z.int().nonnegative(),
  unread: z.int().nonnegative(),
});
export type Conversation = z.infer<typeof Conversation>;

/** A conversation without any one user's cursors (admin views, events to all members). */
export const ConversationSummary = Conversation.omit({ readSeq: true, deliveredSeq: true, unread: true });
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ReceiptKind = z.enum(['delivered', 'read']);
export type ReceiptKind = z.infer<typeof ReceiptKind>;

/** One user's cursors in a conversation; `unread` counts messages of others after `readSeq`. */
export const ViewerState = z.object({
  readSeq: z.int().nonnegative(),
  deliveredSeq: z.int().nonnegative(),
  unread: z.int().nonnegative(),
});
export type ViewerState = z.infer<typeof ViewerState>;

/** The messages one conversation holds for a syncing device, ascending seq. */
export const SyncUpdate = z.object({
  conversationId: Id,
  /** The cursor these messages follow: the seq given in `since`, else the device's pointer, else 0. */
  afterSeq: z.int().nonnegative(),
  messages: z.array(Message),
  /** More messages follow: sync again with `since` = the last seq received. */
  hasMore: z.boolean(),
});
export type SyncUpdate = z.infer<typeof SyncUpdate>;

export const SyncResult = z.object({
  updates: z.array(SyncUpdate),
  /** More conversations have updates than this answer holds: sync again. */
  hasMore: z.boolean(),
});
export type SyncResult = z.infer<typeof SyncResult>;

export const Org = z.object({
  id: Id,
  name: z.string(),
  createdAt: IsoTime,
  /** Number of logical shards the org's conversations spread over (1 unless marked large). */
  shardSpread: z.int().positive().optional(),
});
export type Org = z.infer<typeof Org>;

export const User = z.object({
  id: Id,
  orgId: Id,
  displayName: z.string(),
  createdAt: IsoTime,
  deactivatedAt: IsoTime.optional(),
});
export type User = z.infer<typeof User>;

/** Who is acting: taken from the verified JWT at the gateway, never from the client payload. */
export const Actor = z.object({
  userId: Id,
  orgId: Id,
  deviceId: text('deviceId').min(1).max(MAX_DEVICE_ID_LENGTH),
});
export type Actor = z.infer<typeof Actor>;
