import { Injectable } from '@nestjs/common';
import { MuteState } from '@parley/contracts';
import { InjectNotificationDatabase, NotificationDatabase } from '../database/notification-database';

interface MuteRow {
  conversation_id: string;
  until: Date | null;
}

/** Conversations a user wants no pushes for, on any device. */
@Injectable()
export class ConversationMuteRepository {
  constructor(@InjectNotificationDatabase() private readonly db: NotificationDatabase) {}

  /** Mutes, and drops what was waiting to be pushed for it, in one statement. */
  async mute(orgId: string, userId: string, conversationId: string, until: Date | null): Promise<void> {
    await this.db.query(
      `WITH muted AS (
         INSERT INTO conversation_mutes (user_id, conversation_id, org_id, until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, conversation_id) DO UPDATE SET until = EXCLUDED.until
       )
       UPDATE push_device_state SET covered_seq = last_seq, alert_due_at = NULL
        WHERE user_id = $1 AND conversation_id = $2 AND alert_due_at IS NOT NULL`,
      [userId, conversationId, orgId, until],
    );
  }

  async unmute(userId: string, conversationId: string): Promise<void> {
    await this.db.query(`DELETE FROM conversation_mutes WHERE user_id = $1 AND conversation_id = $2`, [userId, conversationId]);
  }

  /** Mutes in force (expired ones are left out). */
  async list(userId: string): Promise<MuteState[]> {
    const rows: MuteRow[] = await this.db.query(
      `SELECT conversation_id, until FROM conversation_mutes
        WHERE user_id = $1 AND (until IS NULL OR until > now()) ORDER BY conversation_id`,
      [userId],
    );
    return rows.map((row) => ({ conversationId: row.conversation_id, muted: true, ...(row.until ? { until: row.until.toISOString() } : {}) }));
  }
}
