import { Injectable } from '@nestjs/common';
import { PushCandidate, UnseenMessages } from '@parley/contracts';
import { Queryable } from '@parley/store';

interface UnseenRow {
  user_id: string;
  device_id: string;
  conversation_id: string;
  count: string;
  first_seq: string | null;
  last_seq: string | null;
  sender_ids: string[] | null;
  preview: string | null;
}

/** Most senders an answer names. */
const MAX_SENDERS = 10;

/**
 * For each candidate, the messages of others after the highest of: the seq its last push
 * covered, the device's own pointer, the member's read cursor; up to the given seq. A
 * candidate whose user is no member finds no member row and is left out.
 */
const UNSEEN_MESSAGES = `
  SELECT e.user_id, e.device_id, e.conversation_id, u.count, u.first_seq, u.last_seq,
         (SELECT array_agg(s.sender_id ORDER BY s.newest)
            FROM (SELECT x.sender_id, max(x.seq) AS newest FROM messages x
                   WHERE x.conversation_id = e.conversation_id AND x.seq > b.after AND x.seq <= e.up_to AND x.sender_id <> e.user_id
                   GROUP BY x.sender_id ORDER BY newest DESC LIMIT ${MAX_SENDERS}) s) AS sender_ids,
         CASE WHEN $6 THEN (SELECT CASE WHEN x.redacted_at IS NULL THEN x.body END FROM messages x
                             WHERE x.conversation_id = e.conversation_id AND x.seq = u.last_seq) END AS preview
    FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS e(user_id, device_id, conversation_id, after_seq, up_to)
    JOIN conversation_members v ON v.conversation_id = e.conversation_id AND v.user_id = e.user_id
    LEFT JOIN device_cursors d ON d.user_id = e.user_id AND d.device_id = e.device_id AND d.conversation_id = e.conversation_id
   CROSS JOIN LATERAL (SELECT GREATEST(e.after_seq, COALESCE(d.delivered_seq, 0), v.read_seq) AS after) b
   CROSS JOIN LATERAL (SELECT count(*) AS count, min(x.seq) AS first_seq, max(x.seq) AS last_seq FROM messages x
                        WHERE x.conversation_id = e.conversation_id AND x.seq > b.after AND x.seq <= e.up_to AND x.sender_id <> e.user_id) u`;

// Unread as the client contract counts it: messages of others after the read cursor.
const UNREAD_TOTALS = `
  SELECT v.user_id,
         sum((SELECT count(*) FROM messages x
               WHERE x.conversation_id = v.conversation_id AND x.seq > v.read_seq AND x.sender_id <> v.user_id)) AS unread
    FROM conversation_members v
    JOIN conversations c ON c.id = v.conversation_id
   WHERE v.user_id = ANY($1::text[]) AND c.org_id = $2 AND c.last_seq > v.read_seq
   GROUP BY v.user_id`;

/** What the notification service asks before it pushes: what a device has not seen, how much a user has unread. */
@Injectable()
export class DeliveryStateRepository {
  async unseenMessages(db: Queryable, candidates: readonly PushCandidate[], withPreview: boolean): Promise<UnseenMessages[]> {
    const rows: UnseenRow[] = await db.query(UNSEEN_MESSAGES, [
      candidates.map((c) => c.userId),
      candidates.map((c) => c.deviceId),
      candidates.map((c) => c.conversationId),
      candidates.map((c) => c.afterSeq),
      candidates.map((c) => c.upToSeq),
      withPreview,
    ]);
    return rows.map((row) => ({
      userId: row.user_id,
      deviceId: row.device_id,
      conversationId: row.conversation_id,
      count: Number(row.count),
      ...(row.first_seq === null ? {} : { firstSeq: Number(row.first_seq), lastSeq: Number(row.last_seq) }),
      senderIds: row.sender_ids ?? [],
      ...(row.preview ? { preview: row.preview } : {}),
    }));
  }

  async unreadTotals(db: Queryable, orgId: string, userIds: readonly string[]): Promise<Map<string, number>> {
    const rows: Array<{ user_id: string; unread: string }> = await db.query(UNREAD_TOTALS, [userIds, orgId]);
    return new Map(rows.map((row) => [row.user_id, Number(row.unread)]));
  }
}
