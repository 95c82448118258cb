import { z } from 'zod';
import { boundedText, text } from './validation';
import {
  ConversationKind,
  DEFAULT_PAGE_LIMIT,
  Id,
  MAX_BODY_LENGTH,
  MAX_CLIENT_MSG_ID_LENGTH,
  MAX_GROUP_MEMBERS,
  MAX_PAGE_LIMIT,
  MAX_SYNC_CURSORS,
  MAX_SYNC_LIMIT,
  Seq,
} from './shapes';

/** Socket.IO event names, client → server. */
export const ClientEvent = {
  ConversationCreate: 'conversation.create',
  ConversationList: 'conversation.list',
  ConversationMembersAdd: 'conversation.members.add',
  ConversationMembersRemove: 'conversation.members.remove',
  MessageSend: 'message.send',
  HistoryFetch: 'history.fetch',
  ReceiptDelivered: 'receipt.delivered',
  ReceiptRead: 'receipt.read',
  Sync: 'sync',
  PresenceSubscribe: 'presence.subscribe',
  PresenceUnsubscribe: 'presence.unsubscribe',
  Typing: 'typing',
  /** Extension: no pushes for a conversation (see notifications.ts). */
  ConversationMute: 'conversation.mute',
} as const;
export type ClientEvent = (typeof ClientEvent)[keyof typeof ClientEvent];

/** Socket.IO event names, server → client. */
export const ServerEvent = {
  MessageNew: 'message.new',
  MessageRedacted: 'message.redacted',
  Receipt: 'receipt',
  Presence: 'presence',
  Typing: 'typing',
  ConversationUpdated: 'conversation.updated',
  /** Extension: this gateway is stopping; reconnect (to any gateway) within `reconnectAfterMs`. */
  ServerDraining: 'server.draining',
} as const;
export type ServerEvent = (typeof ServerEvent)[keyof typeof ServerEvent];

/** `server.draining`: the gateway closes this connection `reconnectAfterMs` from now (spread over `windowMs`). */
export interface ServerDraining {
  reconnectAfterMs: number;
  windowMs: number;
}

const MemberIds = z.array(Id).max(MAX_GROUP_MEMBERS);

export const ConversationCreateInput = z.strictObject({
  kind: ConversationKind,
  memberIds: MemberIds.min(1),
  title: text('title').min(1).max(200).optional(),
});
export type ConversationCreateInput = z.infer<typeof ConversationCreateInput>;

export const ConversationListInput = z.strictObject({
  limit: z.int().min(1).max(MAX_PAGE_LIMIT).optional(),
});
export type ConversationListInput = z.infer<typeof ConversationListInput>;

export const ConversationMembersInput = z.strictObject({
  conversationId: Id,
  userIds: MemberIds.min(1),
});
export type ConversationMembersInput = z.infer<typeof ConversationMembersInput>;

export const MessageSendInput = z.strictObject({
  conversationId: Id,
  clientMsgId: text('clientMsgId').min(1).max(MAX_CLIENT_MSG_ID_LENGTH),
  body: boundedText(1, MAX_BODY_LENGTH, 'body'),
});
export type MessageSendInput = z.infer<typeof MessageSendInput>;

export const HistoryFetchInput = z
  .strictObject({
    conversationId: Id,
    beforeSeq: Seq.optional(),
    afterSeq: z.int().nonnegative().optional(),
    limit: z.int().min(1).max(MAX_PAGE_LIMIT).optional(),
  })
  .refine((v) => v.beforeSeq === undefined || v.afterSeq === undefined || v.afterSeq < v.beforeSeq, {
    error: 'afterSeq must be lower than beforeSeq',
  });
export type HistoryFetchInput = z.infer<typeof HistoryFetchInput>;

/** `receipt.delivered` and `receipt.read`: the caller's cursor moves up to `seq`, never back. */
export const ReceiptInput = z.strictObject({
  conversationId: Id,
  seq: Seq,
});
export type ReceiptInput = z.infer<typeof ReceiptInput>;

/**
 * `sync`: for each conversation in `since`, the messages after the given seq; for the
 * caller's other conversations, the messages after this device's own pointer.
 */
export const SyncInput = z.strictObject({
  since: z
    .record(Id, z.int().nonnegative())
    .refine((since) => Object.keys(since).length <= MAX_SYNC_CURSORS, { error: `since holds at most ${MAX_SYNC_CURSORS} conversations` })
    .optional(),
  limit: z.int().min(1).max(MAX_SYNC_LIMIT).optional(),
});
export type SyncInput = z.infer<typeof SyncInput>;

export { DEFAULT_PAGE_LIMIT };
