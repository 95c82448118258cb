import { Injectable } from '@nestjs/common';
import { Message } from '@parley/contracts';
import { MESSAGE_COLUMNS, MessageRow, SqlRead, toMessage } from '@parley/store';

export interface PageQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

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
      sql: `SELECT ${MESSAGE_COLUMNS} FROM messages
             WHERE conversation_id = $1
               AND ($2::bigint IS NULL OR seq > $2)
               AND ($3::bigint IS NULL OR seq < $3)
             ORDER BY seq ${forward ? 'ASC' : 'DESC'}
             LIMIT $4`,
      parameters: [conversationId, q.afterSeq ?? null, q.beforeSeq ?? null, q.limit + 1],
      answer: (rows: MessageRow[]) => {
        const hasMore = rows.length > q.limit;
        const page = rows.slice(0, q.limit).map(toMessage);
        return { messages: forward ? page : page.reverse(), hasMore };
      },
    };
  }
}
