import { z } from 'zod';
import { text } from './validation';

export const MAX_BODY_LENGTH = 4000;
export const MAX_CLIENT_MSG_ID_LENGTH = 64;
export const MAX_DEVICE_ID_LENGTH = 64;
export const MAX_GROUP_MEMBERS = 1000;
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 50;

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
