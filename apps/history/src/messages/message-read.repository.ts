import { Injectable } from '@nestjs/common';
import { Message } from '@parley/contracts';
import { MESSAGE_COLUMNS, MessageRow, SqlRead, toMessage } from '@parley/store';

export interface PageQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

/** Above every seq: the bound of a page that ends at the newest message. */
const NO_UPPER_SEQ = '9223372036854775807';

/**
 * One statement per direction, each a prepared statement of the connection (parsed and planned
 * once, not on every fetch). Both bounds are always given, a missing one as "any" (seq > 0 by
 * the table's check): its one plan is then a bounded range of the (conversation_id, seq) key,
 * for the newest page and one deep in the past alike.
 */
const pageSql = (order: 'ASC' | 'DESC') => `SELECT ${MESSAGE_COLUMNS} FROM messages
   WHERE conversation_id = $1 AND seq > $2 AND seq < $3
   ORDER BY seq ${order}
   LIMIT $4`;
const FORWARD = { name: 'parley_message_page_forward', sql: pageSql('ASC') };
const BACKWARD = { name: 'parley_message_page_backward', sql: pageSql('DESC') };

/** Reads message pages; seq order is the only order. */
@Injectable()
export class MessageReadRepository {
  /**
   * With `afterSeq`, the page starts just after it and runs forward; otherwise it
   * ends just before `beforeSeq` (or at the newest) and runs backward. One more row
   * than asked tells whether more exist in the paging direction.
   */
  page(conversationId: string, q: PageQuery): SqlRead<{ messages: Message[]; hasMore: boolean }> {
    const forward = q.afterSeq !== undefined;
    return {
      ...(forward ? FORWARD : BACKWARD),
      parameters: [conversationId, q.afterSeq ?? 0, q.beforeSeq ?? NO_UPPER_SEQ, q.limit + 1],
      answer: (rows: MessageRow[]) => {
        const hasMore = rows.length > q.limit;
        const page = rows.slice(0, q.limit).map(toMessage);
        return { messages: forward ? page : page.reverse(), hasMore };
      },
    };
  }
}
