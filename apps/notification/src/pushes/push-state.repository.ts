import { Injectable } from '@nestjs/common';
import { PushPlatform } from '@parley/contracts';
import { InjectNotificationDatabase, NotificationDatabase } from '../database/notification-database';
import { PushTarget } from '../providers/push-provider';

export interface IncomingMessage {
  orgId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  memberIds: readonly string[];
}

/** One device's state in one conversation, taken by a dispatcher because something is due. */
export interface DuePush {
  userId: string;
  deviceId: string;
  conversationId: string;
  orgId: string;
  platform: PushPlatform;
  target: PushTarget;
  /** The newest message taken in, and the newest a push (or the finding that none was needed) covered. */
  lastSeq: number;
  coveredSeq: number;
  /** The newest message an alert on the device shows (0: none). */
  shownSeq: number;
  alertDue: boolean;
  clearDue: boolean;
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
  covered_seq: string;
  shown_seq: string;
  alert_due: boolean;
  clear_due: boolean;
  attempts: number;
}

export type DeviceConversationKey = Pick<DuePush, 'userId' | 'deviceId' | 'conversationId'>;

const interval = (ms: string) => `make_interval(secs => ${ms}::float8 / 1000)`;

/**
 * New messages (a batch from the stream), for every registered device of every member but
 * the sender that has not muted the conversation: each raises the device's newest seq and,
 * if no alert is due yet, makes one due after the delivery grace (and not before the
 * collapse window since the last alert). Which messages the alert covers is read from the
 * store when it is due, so a redelivered or late event changes nothing here but the newest
 * seq. One statement and one commit for the whole batch; rows are written in key order.
 */
const TAKE_IN_MESSAGES = `
  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS m("orgId" text, "conversationId" text, seq bigint, "senderId" text, "memberIds" text[])
  ), targets AS (
    SELECT r.user_id, r.device_id, m."conversationId" AS conversation_id, m."orgId" AS org_id, max(m.seq) AS seq
      FROM incoming m
      JOIN push_registrations r ON r.user_id = ANY(m."memberIds") AND r.user_id <> m."senderId" AND r.org_id = m."orgId"
     WHERE NOT EXISTS (SELECT 1 FROM conversation_mutes u
                        WHERE u.user_id = r.user_id AND u.conversation_id = m."conversationId" AND (u.until IS NULL OR u.until > now()))
     GROUP BY r.user_id, r.device_id, m."conversationId", m."orgId"
  )
  INSERT INTO push_device_state AS s (user_id, device_id, conversation_id, org_id, last_seq, alert_due_at)
  SELECT user_id, device_id, conversation_id, org_id, seq, now() + ${interval('$2')}
    FROM targets ORDER BY user_id, device_id, conversation_id
  ON CONFLICT (user_id, device_id, conversation_id) DO UPDATE SET
         last_seq = GREATEST(s.last_seq, EXCLUDED.last_seq),
         alert_due_at = COALESCE(s.alert_due_at, GREATEST(EXCLUDED.alert_due_at, s.last_alert_at + ${interval('$3')}))
   WHERE EXCLUDED.last_seq > s.covered_seq AND (EXCLUDED.last_seq > s.last_seq OR s.alert_due_at IS NULL)`;

/**
 * The user read up to a seq on some device: nothing up to there is worth a push any more,
 * and a device showing only read messages gets a silent clear.
 */
const TAKE_IN_READ = `
  UPDATE push_device_state SET
         covered_seq = GREATEST(covered_seq, $3),
         alert_due_at = CASE WHEN last_seq <= $3 THEN NULL ELSE alert_due_at END,
         clear_due_at = CASE WHEN shown_seq > 0 AND shown_seq <= $3 THEN COALESCE(clear_due_at, now()) ELSE clear_due_at END
   WHERE user_id = $1 AND conversation_id = $2
     AND (covered_seq < $3 OR (shown_seq > 0 AND shown_seq <= $3 AND clear_due_at IS NULL))`;

/**
 * Takes due rows nobody holds, for the lease; a replica that dies gives them back when the
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
    UPDATE push_device_state s SET lease_until = now() + ${interval('$2')}
      FROM due, push_registrations r
     WHERE s.user_id = due.user_id AND s.device_id = due.device_id AND s.conversation_id = due.conversation_id
       AND r.user_id = s.user_id AND r.device_id = s.device_id
    RETURNING s.user_id, s.device_id, s.conversation_id, s.org_id, r.platform, r.target, s.last_seq, s.covered_seq, s.shown_seq,
              s.attempts, COALESCE(s.alert_due_at <= now(), false) AS alert_due, COALESCE(s.clear_due_at <= now(), false) AS clear_due
  )
  SELECT * FROM claimed`;

/**
 * An alert for messages up to `$4` went out (`$5`), or none was needed. Messages taken in
 * meanwhile stay due: after the grace, and after the collapse window when an alert went out.
 */
const SETTLE_ALERT = `
  UPDATE push_device_state SET
         covered_seq = GREATEST(covered_seq, $4),
         alert_due_at = CASE WHEN last_seq <= $4 THEN NULL
                             ELSE now() + make_interval(secs => GREATEST($6::float8, CASE WHEN $5 THEN $7::float8 ELSE 0 END) / 1000) END,
         shown_seq = CASE WHEN $5 THEN GREATEST(shown_seq, $4) ELSE shown_seq END,
         last_alert_at = CASE WHEN $5 THEN now() ELSE last_alert_at END,
         clear_due_at = CASE WHEN $5 THEN NULL ELSE clear_due_at END,
         attempts = 0, lease_until = NULL
   WHERE user_id = $1 AND device_id = $2 AND conversation_id = $3`;

@Injectable()
export class PushStateRepository {
  constructor(@InjectNotificationDatabase() private readonly db: NotificationDatabase) {}

  async takeInMessages(messages: readonly IncomingMessage[], graceMs: number, collapseWindowMs: number): Promise<void> {
    if (messages.length === 0) return;
    await this.db.query(TAKE_IN_MESSAGES, [JSON.stringify(messages), graceMs, collapseWindowMs]);
  }

  async takeInRead(userId: string, conversationId: string, seq: number): Promise<void> {
    await this.db.query(TAKE_IN_READ, [userId, conversationId, seq]);
  }

  async claimDue(limit: number, leaseMs: number): Promise<DuePush[]> {
    const rows: DueRow[] = await this.db.query(CLAIM_DUE, [limit, leaseMs]);
    return rows.map(toDuePush);
  }

  /** `pushed`: the alert went out (the device now shows it); otherwise nothing needed pushing. */
  async settleAlert(push: DuePush, pushed: boolean, graceMs: number, collapseWindowMs: number): Promise<void> {
    await this.db.query(SETTLE_ALERT, [push.userId, push.deviceId, push.conversationId, push.lastSeq, pushed, graceMs, collapseWindowMs]);
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
              alert_due_at = CASE WHEN alert_due_at <= now() THEN now() + ${interval('$4')} ELSE alert_due_at END,
              clear_due_at = CASE WHEN clear_due_at <= now() THEN now() + ${interval('$4')} ELSE clear_due_at END,
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
    coveredSeq: Number(row.covered_seq),
    shownSeq: Number(row.shown_seq),
    alertDue: row.alert_due,
    clearDue: row.clear_due,
    attempts: row.attempts,
  };
}
