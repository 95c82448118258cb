import type { Message } from '@parley/contracts';

/** A `messages` row as pg returns it (bigint as string, timestamptz as Date). */
export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: string | number;
  sender_id: string;
  client_msg_id: string;
  body: string;
  created_at: Date | string;
  redacted_at: Date | string | null;
}

/** The one mapping from a stored row to the contract's Message; a redacted body never leaves. */
export function toMessage(row: MessageRow): Message {
  const message: Message = {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    clientMsgId: row.client_msg_id,
    body: row.redacted_at ? '' : row.body,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (row.redacted_at) message.redacted = true;
  return message;
}

export const MESSAGE_COLUMNS = 'id, conversation_id, seq, sender_id, client_msg_id, body, created_at, redacted_at';
