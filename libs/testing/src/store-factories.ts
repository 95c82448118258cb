import { newConversationId, newMessageId, orgPlacement } from '@parley/sharding';
import { ShardedDatabase } from '@parley/store';

/**
 * Writes a conversation with `messageCount` messages straight into its shard, for
 * read-side tests that should not depend on the chat service's write path.
 */
export async function seedConversation(
  db: ShardedDatabase,
  spec: { orgId: string; memberIds: string[]; kind?: 'direct' | 'group'; messageCount?: number; senderId?: string; readSeq?: Record<string, number> },
): Promise<string> {
  const placement = orgPlacement(spec.orgId);
  if (!placement) throw new Error(`not an org id: ${spec.orgId}`);
  const id = newConversationId(db.router.conversationShard(placement, Math.random().toString()));
  const shard = db.forConversation(id)!;
  const count = spec.messageCount ?? 0;
  await shard.query(`INSERT INTO conversations (id, org_id, kind, last_seq) VALUES ($1, $2, $3, $4)`, [id, spec.orgId, spec.kind ?? 'group', count]);
  await shard.query(
    `INSERT INTO conversation_members (conversation_id, user_id, org_id, read_seq)
     SELECT $1, u, $2, r FROM unnest($3::text[], $4::bigint[]) AS t(u, r)`,
    [id, spec.orgId, spec.memberIds, spec.memberIds.map((m) => spec.readSeq?.[m] ?? 0)],
  );
  if (count > 0) {
    const seqs = Array.from({ length: count }, (_, i) => i + 1);
    await shard.query(
      `INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body)
       SELECT $1, s, m, $2, $3, 'seed-' || s, 'message ' || s FROM unnest($4::bigint[], $5::text[]) AS t(s, m)`,
      [id, spec.orgId, spec.senderId ?? spec.memberIds[0], seqs, seqs.map(() => newMessageId())],
    );
  }
  return id;
}
