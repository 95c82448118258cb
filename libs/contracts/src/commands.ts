import { z } from 'zod';
import {
  ConversationCreateInput,
  ConversationListInput,
  ConversationMembersInput,
  HistoryFetchInput,
  MessageSendInput,
  ReceiptInput,
  SyncInput,
} from './client-events';
import { command, ServiceName } from './nats-contract';
import { text } from './validation';
import { Actor, Conversation, ConversationSummary, Id, MAX_ACTIVE_CHECKS, Message, Org, ReceiptKind, Seq, SyncResult, User, ViewerState } from './shapes';

/** A client command as it crosses NATS: the verified actor (from the gateway) and the validated input. */
export const withActor = <S extends z.ZodType>(input: S) => z.object({ actor: Actor, input });

const ConversationReply = z.object({ conversation: Conversation });
const ConversationsReply = z.object({ conversations: z.array(Conversation) });
const MessagesPage = z.object({ messages: z.array(Message), hasMore: z.boolean() });
const Empty = z.object({});

/** Commands served by the chat node that owns the conversation (chosen by the hash ring). */
export const ChatNodeCommands = {
  messageSend: command(ServiceName.Chat, 'message.send', withActor(MessageSendInput), z.object({ message: Message }), 'node'),
  membersAdd: command(ServiceName.Chat, 'members.add', withActor(ConversationMembersInput), ConversationReply, 'node'),
  membersRemove: command(ServiceName.Chat, 'members.remove', withActor(ConversationMembersInput), ConversationReply, 'node'),
  /** Moves the actor's cursor (and its device's pointer) forward; answers the cursors after the move. */
  receiptRecord: command(
    ServiceName.Chat,
    'receipt.record',
    withActor(ReceiptInput.extend({ kind: ReceiptKind })),
    ViewerState,
    'node',
  ),
  /**
   * An operator's redaction: the body is removed from the store and from the owner's
   * hot cache, members are told (MessageRedacted). Idempotent.
   */
  messageRedact: command(ServiceName.Chat, 'message.redact', z.strictObject({ conversationId: Id, seq: Seq }), Empty, 'node'),
  /** Is anybody behind this node's subject? Asked by the gateway when an answer is slow. */
  probe: command(ServiceName.Chat, 'probe', z.strictObject({}), z.object({ nodeId: z.string() }), 'node'),
} as const;

/** Commands any chat node may serve (queue group). */
export const ChatCommands = {
  conversationCreate: command(ServiceName.Chat, 'conversation.create', withActor(ConversationCreateInput), ConversationReply),
} as const;

/** The directory: orgs and users (served by chat nodes, queue group). */
export const DirectoryCommands = {
  orgCreate: command(
    ServiceName.Chat,
    'directory.org.create',
    z.strictObject({ name: text('name').trim().min(1).max(200), shardSpread: z.int().min(1).max(64).optional() }),
    Org,
  ),
  orgGet: command(ServiceName.Chat, 'directory.org.get', z.strictObject({ orgId: Id }), Org),
  userCreate: command(
    ServiceName.Chat,
    'directory.user.create',
    z.strictObject({ orgId: Id, displayName: text('displayName').trim().min(1).max(200) }),
    User,
  ),
  userGet: command(ServiceName.Chat, 'directory.user.get', z.strictObject({ orgId: Id, userId: Id }), User),
  /**
   * Which of these users exist in the org given with them and are not deactivated: the
   * handshakes a gateway checks at the same time, asked in one request.
   */
  usersActive: command(
    ServiceName.Chat,
    'directory.users.active',
    z.strictObject({ users: z.array(z.strictObject({ orgId: Id, userId: Id })).min(1).max(MAX_ACTIVE_CHECKS) }),
    z.object({ activeUserIds: z.array(Id) }),
  ),
  userList: command(ServiceName.Chat, 'directory.user.list', z.strictObject({ orgId: Id }), z.object({ users: z.array(User) })),
  userDeactivate: command(ServiceName.Chat, 'directory.user.deactivate', z.strictObject({ orgId: Id, userId: Id }), Empty),
} as const;

/** Reads served by the history service (queue group). */
export const HistoryCommands = {
  conversationList: command(ServiceName.History, 'conversation.list', withActor(ConversationListInput), ConversationsReply),
  conversationGet: command(ServiceName.History, 'conversation.get', withActor(z.strictObject({ conversationId: Id })), ConversationReply),
  messagesFetch: command(ServiceName.History, 'messages.fetch', withActor(HistoryFetchInput), MessagesPage),
  sync: command(ServiceName.History, 'sync', withActor(SyncInput), SyncResult),
  orgConversations: command(
    ServiceName.History,
    'admin.org.conversations',
    z.strictObject({ orgId: Id }),
    z.object({ conversations: z.array(ConversationSummary) }),
  ),
  shardStatus: command(
    ServiceName.History,
    'admin.shards',
    Empty,
    z.object({
      logicalShards: z.int().positive(),
      shards: z.array(
        z.object({ id: z.string(), logicalShards: z.array(z.int().nonnegative()), reachable: z.boolean(), latencyMs: z.number().optional() }),
      ),
    }),
  ),
} as const;

/** Health probe every service answers, so the gateway's readiness covers all of them. */
export const PingCommands = Object.fromEntries(
  Object.values(ServiceName).map((service) => [
    service,
    command(service, 'ping', Empty, z.object({ service: z.string(), nodeId: z.string(), ready: z.boolean() })),
  ]),
) as Record<ServiceName, ReturnType<typeof command<typeof Empty, z.ZodObject<{ service: z.ZodString; nodeId: z.ZodString; ready: z.ZodBoolean }>>>>;
