import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification service's state, beside the users it belongs to: where each device's
 * pushes go, which conversations a user muted, and per (device, conversation) what is
 * waiting to be pushed and what the device shows.
 */
export class PushNotifications1732400000000 implements MigrationInterface {
  name = 'PushNotifications1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE push_registrations (
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        device_id text NOT NULL,
        org_id text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('webpush', 'fcm', 'apns')),
        target jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, device_id)
      )`);
    await q.query(`
      CREATE TABLE conversation_mutes (
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        conversation_id text NOT NULL,
        org_id text NOT NULL,
        until timestamptz,
        PRIMARY KEY (user_id, conversation_id)
      )`);
    // last_seq: the newest message taken in; covered_seq: the newest one a push (or the finding that
    // none was needed) dealt with; shown_seq: the newest one an alert on the device shows.
    await q.query(`
      CREATE TABLE push_device_state (
        user_id text NOT NULL,
        device_id text NOT NULL,
        conversation_id text NOT NULL,
        org_id text NOT NULL,
        last_seq bigint NOT NULL,
        covered_seq bigint NOT NULL DEFAULT 0,
        shown_seq bigint NOT NULL DEFAULT 0,
        alert_due_at timestamptz,
        clear_due_at timestamptz,
        last_alert_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        PRIMARY KEY (user_id, device_id, conversation_id),
        FOREIGN KEY (user_id, device_id) REFERENCES push_registrations (user_id, device_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX push_device_state_user_conversation_idx ON push_device_state (user_id, conversation_id)`);
    await q.query(`
      CREATE INDEX push_device_state_due_idx ON push_device_state ((LEAST(alert_due_at, clear_due_at)))
       WHERE alert_due_at IS NOT NULL OR clear_due_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE push_device_state`);
    await q.query(`DROP TABLE conversation_mutes`);
    await q.query(`DROP TABLE push_registrations`);
  }
}
