import type { ConversationKind, ConversationSummary } from '@parley/contracts';
import { toMessage } from './message-row';

/** Columns of the conversation's last message, read through JOIN_LAST_MESSAGE (`c` is the conversation). */
export const LAST_MESSAGE_COLUMNS = `lm.id AS lm_id, lm.sender_id AS lm_sender_id, lm.client_msg_id AS lm_client_msg_id,
       lm.body AS lm_body, lm.created_at AS lm_created_at, lm.redacted_at AS lm_redacted_at`;
export const JOIN_LAST_MESSAGE = `LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq`;

/** A `conversations` row joined with its last message. */
export interface ConversationRow {
  id: string;
  org_id: string;
  kind: ConversationKind;
  title: string | null;
  last_seq: string | number;
  lm_id: string | null;
  lm_sender_id: string;
  lm_client_msg_id: string;
  lm_body: string;
  lm_created_at: Date;
  lm_redacted_at: Date | null;
}

/** The one mapping from a stored conversation to the contract's summary shape. */
export function toConversationSummary(row: ConversationRow, memberIds: string[]): ConversationSummary {
  const conversation: ConversationSummary = { id: row.id, orgId: row.org_id, kind: row.kind, memberIds, lastSeq: Number(row.last_seq) };
  if (row.title !== null) conversation.title = row.title;
  if (row.lm_id) {
    conversation.lastMessage = toMessage({
      id: row.lm_id,
      conversation_id: row.id,
      seq: row.last_seq,
      sender_id: row.lm_sender_id,
      client_msg_id: row.lm_client_msg_id,
      body: row.lm_body,
      created_at: row.lm_created_at,
      redacted_at: row.lm_redacted_at,
    });
  }
  return conversation;
}
