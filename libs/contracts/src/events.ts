import { z } from 'zod';
import { event } from './nats-contract';
import { ConversationSummary, Id, Message, ReceiptKind, Seq, ViewerState } from './shapes';

/** Chat nodes announce themselves; the gateway's hash ring is the set of nodes heard from recently. */
export const ChatNodeHeartbeat = event(
  'chat.node.heartbeat',
  z.object({ nodeId: z.string().min(1).max(128), startedAt: z.string(), leaving: z.boolean().optional() }),
);

/**
 * A gateway that just started asks every chat node to send its heartbeat now: its ring is
 * complete at once instead of after up to CHAT_HEARTBEAT_MS (meanwhile node commands wait).
 */
export const ChatNodeRollCall = event('chat.node.roll-call', z.object({ gatewayId: z.string().min(1).max(128) }));

/**
 * A stored message (durable: captured by the JetStream message stream). `memberIds`
 * is who may see it, so a gateway can fan out without asking anyone.
 */
export const MessageCreated = event(
  'message.created',
  z.object({ orgId: Id, message: Message, memberIds: z.array(Id) }),
  true,
);

/**
 * A conversation was created or its members changed. `viewerState` holds each
 * member's own cursors so every member gets an exact `conversation.updated`;
 * `removedIds` are told too (they see themselves gone from memberIds).
 */
export const ConversationChanged = event(
  'conversation.changed',
  z.object({
    conversation: ConversationSummary,
    viewerState: z.record(z.string(), ViewerState),
    removedIds: z.array(Id),
  }),
  true,
);

/** A message's body was removed by an operator; `memberIds` are told with `message.redacted`. */
export const MessageRedacted = event(
  'message.redacted',
  z.object({ orgId: Id, conversationId: Id, seq: Seq, memberIds: z.array(Id) }),
  true,
);

/** A user was deactivated: every gateway closes its sockets and refuses its tokens from now on. */
export const UserDeactivated = event('directory.user.deactivated', z.object({ orgId: Id, userId: Id }), true);

/**
 * A member's cursor moved forward (`kind` says which; a read moves delivered too).
 * `viewer` is the member's cursors after the move, for its own other devices;
 * `memberIds` are who else may be told.
 */
export const ReceiptRecorded = event(
  'receipt.recorded',
  z.object({
    orgId: Id,
    conversationId: Id,
    userId: Id,
    deviceId: z.string(),
    kind: ReceiptKind,
    seq: Seq,
    viewer: ViewerState,
    memberIds: z.array(Id),
  }),
  true,
);
