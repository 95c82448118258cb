import { Injectable } from '@nestjs/common';
import { PushPlatform } from '@parley/contracts';
import { InjectNotificationDatabase, NotificationDatabase } from '../database/notification-database';
import { PushTarget } from '../providers/push-provider';

/** Distinct senders a pending alert remembers, newest last ("Ana, Bo and 3 others"). */
const MAX_TRACKED_SENDERS = 10;

export interface IncomingMessage {
  orgId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  memberIds: readonly string[];
  /** The lock-screen preview, or null when the privacy setting keeps bodies out of pushes. */
  preview: string | null;
}

/** One device's state in one conversation, taken by a dispatcher because something is due. */
export interface DuePush {
  userId: string;
  deviceId: string;
  conversationId: string;
  orgId: string;
  platform: PushPlatform;
  target: PushTarget;
  lastSeq: number;
  pendingCount: number;
  firstPendingSeq: number | null;
  senderIds: string[];
  preview: string | null;
  alertDue: boolean;
  clearDue: boolean;
  shownSeq: number;
  attempts: number;
}

interface DueRow {
  user_id: string;
  device_id: string;
  conversation_id: string;
  org_id: string;
  platform: PushPlatform;
  target: PushTarget;
  last_seq: string;
  pending_count: number;
  first_pending_seq: string | null;
  sender_ids: string[];
  preview: string | null;
  alert_due: boolean;
  clear_due: boolean;
  shown_seq: string;
  attempts: number;
}

export type DeviceConversationKey = Pick<DuePush, 'userId' | 'deviceId' | 'conversationId'>;

/**
 * A new message, for every registered device of every member but the sender that has
 * not muted the conversation. The first pending message of a device sets when it is due
 * (after the delivery grace, and not before the collapse window since the last alert);
 * later ones join it. `last_seq` makes a redelivered event a no-op.
 */
const TAKE_IN_MESSAGE = `
  INSERT INTO push_device_state AS s
         (user_id, device_id, conversation_id, org_id, last_seq, pending_count, first_pending_seq, sender_ids, preview, alert_due_at)
  SELECT r.user_id, r.device_id, $2, $1, $3, 1, $3, ARRAY[$4::text], $6, now() + make_interval(secs => $7::float8 / 1000)
    FROM push_registrations r
   WHERE r.user_id = ANY($5::text[]) AND r.user_id <> $4 AND r.org_id = $1
     AND NOT EXISTS (SELECT 1 FROM conversation_mutes m
                      WHERE m.user_id = r.user_id AND m.conversation_id = $2 AND (m.until IS NULL OR m.until > now()))
  ON CONFLICT (user_id, device_id, conversation_id) DO UPDATE SET
         last_seq = EXCLUDED.last_seq,
         pending_count = s.pending_count + 1,
         first_pending_seq = CASE WHEN s.pending_count = 0 THEN EXCLUDED.last_seq ELSE s.first_pending_seq END,
         sender_ids = CASE WHEN s.pending_count = 0 THEN EXCLUDED.sender_ids
                           ELSE (array_remove(s.sender_ids, $4::text) || $4::text)[greatest(1, cardinality(array_remove(s.sender_ids, $4::text)) + 2 - ${MAX_TRACKED_SENDERS}):] END,
         preview = EXCLUDED.preview,
         alert_due_at = CASE WHEN s.pending_count = 0
                             THEN GREATEST(EXCLUDED.alert_due_at, s.last_alert_at + make_interval(secs => $8::float8 / 1000))
                             ELSE s.alert_due_at END,
         attempts = CASE WHEN s.pending_count = 0 THEN 0 ELSE s.attempts END
   WHERE EXCLUDED.last_seq > s.last_seq`;

/**
 * The user read up to a seq (on any device): what is pending up to there is no longer
 * worth a push, and a device showing only read messages gets a silent clear.
 */
const TAKE_IN_READ = `
  UPDATE push_device_state SET
         pending_count = CASE WHEN last_seq <= $3 THEN 0 ELSE LEAST(pending_count, last_seq - $3) END,
         first_pending_seq = CASE WHEN last_seq <= $3 THEN NULL ELSE GREATEST(first_pending_seq, $3 + 1) END,
         alert_due_at = CASE WHEN last_seq <= $3 THEN NULL ELSE alert_due_at END,
         preview = CASE WHEN last_seq <= $3 THEN NULL ELSE preview END,
         sender_ids = CASE WHEN last_seq <= $3 THEN '{}' ELSE sender_ids END,
         clear_due_at = CASE WHEN shown_seq > 0 AND shown_seq <= $3 THEN COALESCE(clear_due_at, now()) ELSE clear_due_at END
   WHERE user_id = $1 AND conversation_id = $2
     AND ((pending_count > 0 AND first_pending_seq <= $3) OR (shown_seq > 0 AND shown_seq <= $3 AND clear_due_at IS NULL))`;

/**
 * Takes due rows nobody holds, for PUSH_LEASE_MS; a replica that dies gives them back when the
 * lease ends. (The final SELECT makes TypeORM answer rows, not its [rows, count] of an UPDATE.)
 */
const CLAIM_DUE = `
  WITH due AS (
    SELECT user_id, device_id, conversation_id
      FROM push_device_state
     WHERE LEAST(alert_due_at, clear_due_at) <= now() AND (lease_until IS NULL OR lease_until < now())
     ORDER BY LEAST(alert_due_at, clear_due_at)
     LIMIT $1
       FOR UPDATE SKIP LOCKED
  ), claimed AS (
  UPDATE push_device_state s SET lease_until = now() + make_interval(secs => $2::float8 / 1000)
    FROM due, push_registrations r
   WHERE s.user_id = due.user_id AND s.device_id = due.device_id AND s.conversation_id = due.conversation_id
     AND r.user_id = s.user_id AND r.device_id = s.device_id
  RETURNING s.user_id, s.device_id, s.conversation_id, s.org_id, r.platform, r.target, s.last_seq, s.pending_count,
            s.first_pending_seq, s.sender_ids, s.preview, s.shown_seq, s.attempts,
            COALESCE(s.alert_due_at <= now(), false) AS alert_due, COALESCE(s.clear_due_at <= now(), false) AS clear_due
  )
  SELECT * FROM claimed`;

/**
 * An alert covering messages up to `$4` was pushed (`$6` true) or found unnecessary.
 * Messages taken in meanwhile (last_seq beyond `$4`) stay pending, due after the window.
 */
const SETTLE_ALERT = `
  UPDATE push_device_state SET
         pending_count = CASE WHEN last_seq <= $4 THEN 0 ELSE GREATEST(pending_count - $5, 1) END,
         first_pending_seq = CASE WHEN last_seq <= $4 THEN NULL ELSE $4 + 1 END,
         preview = CASE WHEN last_seq <= $4 THEN NULL ELSE preview END,
         sender_ids = CASE WHEN last_seq <= $4 THEN '{}' ELSE sender_ids END,
         alert_due_at = CASE WHEN last_seq <= $4 THEN NULL
                             ELSE now() + make_interval(secs => GREATEST($7::float8, CASE WHEN $6 THEN $8::float8 ELSE 0 END) / 1000) END,
         shown_seq = CASE WHEN $6 THEN GREATEST(shown_seq, $4) ELSE shown_seq END,
         last_alert_at = CASE WHEN $6 THEN now() ELSE last_alert_at END,
         clear_due_at = CASE WHEN $6 THEN NULL ELSE clear_due_at END,
         attempts = 0, lease_until = NULL
   WHERE user_id = $1 AND device_id = $2 AND conversation_id = $3`;

@Injectable()
export class PushStateRepository {
  constructor(@InjectNotificationDatabase() private readonly db: NotificationDatabase) {}

  async takeInMessage(message: IncomingMessage, graceMs: number, collapseWindowMs: number): Promise<void> {
    await this.db.query(TAKE_IN_MESSAGE, [
      message.orgId,
      message.conversationId,
      message.seq,
      message.senderId,
      message.memberIds,
      message.preview,
      graceMs,
      collapseWindowMs,
    ]);
  }

  async takeInRead(userId: string, conversationId: string, seq: number): Promise<void> {
    await this.db.query(TAKE_IN_READ, [userId, conversationId, seq]);
  }

  /** A redacted message's text must not reach a lock screen later. */
  async forgetPreview(conversationId: string, seq: number): Promise<void> {
    await this.db.query(`UPDATE push_device_state SET preview = NULL WHERE conversation_id = $1 AND last_seq = $2 AND preview IS NOT NULL`, [
      conversationId,
      seq,
    ]);
  }

  async claimDue(limit: number, leaseMs: number): Promise<DuePush[]> {
    const rows: DueRow[] = await this.db.query(CLAIM_DUE, [limit, leaseMs]);
    return rows.map(toDuePush);
  }

  /** `pushed`: the alert went out (the device now shows it); otherwise nothing needed pushing. */
  async settleAlert(push: DuePush, pushed: boolean, graceMs: number, collapseWindowMs: number): Promise<void> {
    await this.db.query(SETTLE_ALERT, [
      push.userId,
      push.deviceId,
      push.conversationId,
      push.lastSeq,
      push.pendingCount,
      pushed,
      graceMs,
      collapseWindowMs,
    ]);
  }

  /** The silent clear went out, or was not needed: the device shows nothing for the conversation. */
  async settleClear(key: DeviceConversationKey): Promise<void> {
    await this.db.query(
      `UPDATE push_device_state SET shown_seq = 0, clear_due_at = NULL, attempts = 0, lease_until = NULL
        WHERE user_id = $1 AND device_id = $2 AND conversation_id = $3`,
      [key.userId, key.deviceId, key.conversationId],
    );
  }

  /** Not now: whatever was due is due again after `delayMs`. */
  async retryLater(key: DeviceConversationKey, delayMs: number): Promise<void> {
    await this.db.query(
      `UPDATE push_device_state SET
              alert_due_at = CASE WHEN alert_due_at <= now() THEN now() + make_interval(secs => $4::float8 / 1000) ELSE alert_due_at END,
              clear_due_at = CASE WHEN clear_due_at <= now() THEN now() + make_interval(secs => $4::float8 / 1000) ELSE clear_due_at END,
              attempts = attempts + 1, lease_until = NULL
        WHERE user_id = $1 AND device_id = $2 AND conversation_id = $3`,
      [key.userId, key.deviceId, key.conversationId, delayMs],
    );
  }

  /** The user is no longer a member: nothing of this conversation is pushed to this device. */
  async forget(key: DeviceConversationKey): Promise<void> {
    await this.db.query(`DELETE FROM push_device_state WHERE user_id = $1 AND device_id = $2 AND conversation_id = $3`, [
      key.userId,
      key.deviceId,
      key.conversationId,
    ]);
  }
}

function toDuePush(row: DueRow): DuePush {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    conversationId: row.conversation_id,
    orgId: row.org_id,
    platform: row.platform,
    target: row.target,
    lastSeq: Number(row.last_seq),
    pendingCount: row.pending_count,
    firstPendingSeq: row.first_pending_seq === null ? null : Number(row.first_pending_seq),
    senderIds: row.sender_ids,
    preview: row.preview,
    alertDue: row.alert_due,
    clearDue: row.clear_due,
    shownSeq: Number(row.shown_seq),
    attempts: row.attempts,
  };
}
