import { Injectable } from '@nestjs/common';
import { Message } from '@parley/contracts';
import { MESSAGE_COLUMNS, MessageRow, Queryable, toMessage } from '@parley/store';
import { ACCESS_QUERY, AccessRow } from '../conversations/conversation-read.repository';

export interface PageQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

export interface ReaderPage {
  access: AccessRow | null;
  messages: Message[];
  hasMore: boolean;
}

interface AccessColumns {
  access_org_id: string;
  access_is_member: boolean;
}

/** Reads message pages; seq order is the only order. */
@Injectable()
export class MessageReadRepository {
  /**
   * A reader's page and its access to the conversation (ACCESS_QUERY) in one round trip:
   * `access` is null for an unknown conversation, and a non-member's row carries no
   * messages. With `afterSeq`, the page starts just after it and runs forward; otherwise
   * it ends just before `beforeSeq` (or at the newest) and runs backward. One more row
   * than asked tells whether more exist in the paging direction.
   */
  async readerPage(db: Queryable, conversationId: string, userId: string, q: PageQuery): Promise<ReaderPage> {
    const direction = q.afterSeq !== undefined ? 'ASC' : 'DESC';
    const rows: Array<AccessColumns & Partial<MessageRow>> = await db.query(
      `SELECT a.org_id AS access_org_id, a.is_member AS access_is_member, p.*
         FROM (${ACCESS_QUERY}) a
         LEFT JOIN LATERAL (
           SELECT ${MESSAGE_COLUMNS} FROM messages
            WHERE a.is_member AND conversation_id = $1
              AND ($3::bigint IS NULL OR seq > $3)
              AND ($4::bigint IS NULL OR seq < $4)
            ORDER BY seq ${direction}
            LIMIT $5
         ) p ON true
        ORDER BY p.seq ${direction}`,
      [conversationId, userId, q.afterSeq ?? null, q.beforeSeq ?? null, q.limit + 1],
    );
    if (rows.length === 0) return { access: null, messages: [], hasMore: false };
    const access = { org_id: rows[0].access_org_id, is_member: rows[0].access_is_member };
    // Without messages the one row is the access row alone (its message columns are null).
    const found = rows.filter((row): row is AccessColumns & MessageRow => row.id !== null && row.id !== undefined);
    const page = found.slice(0, q.limit).map(toMessage);
    return { access, messages: direction === 'ASC' ? page : page.reverse(), hasMore: found.length > q.limit };
  }
}
