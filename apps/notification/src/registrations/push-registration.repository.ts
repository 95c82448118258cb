import { Injectable } from '@nestjs/common';
import { PushPlatform, PushRegistration } from '@parley/contracts';
import { PushTarget } from '../providers/push-provider';
import { InjectNotificationDatabase, NotificationDatabase } from '../database/notification-database';

interface RegistrationRow {
  device_id: string;
  platform: PushPlatform;
  created_at: Date;
  updated_at: Date;
}

export interface RegistrationKey {
  userId: string;
  deviceId: string;
}

/** Where each device's pushes go: one target per (user, device). */
@Injectable()
export class PushRegistrationRepository {
  constructor(@InjectNotificationDatabase() private readonly db: NotificationDatabase) {}

  /** Registers or replaces the device's target; false when the user is unknown. */
  async upsert(orgId: string, key: RegistrationKey, target: PushTarget): Promise<PushRegistration | null> {
    const rows: RegistrationRow[] = await this.db.query(
      `INSERT INTO push_registrations (user_id, device_id, org_id, platform, target)
       SELECT u.id, $2, u.org_id, $4, $5::jsonb FROM users u WHERE u.id = $1 AND u.org_id = $3 AND u.deactivated_at IS NULL
       ON CONFLICT (user_id, device_id)
         DO UPDATE SET platform = EXCLUDED.platform, target = EXCLUDED.target, updated_at = now()
       RETURNING device_id, platform, created_at, updated_at`,
      [key.userId, key.deviceId, orgId, target.platform, JSON.stringify(target)],
    );
    return rows[0] ? toRegistration(rows[0]) : null;
  }

  /** true when there was one. */
  async remove(key: RegistrationKey): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`WITH removed AS (DELETE FROM push_registrations WHERE user_id = $1 AND device_id = $2 RETURNING 1) SELECT * FROM removed`, [
      key.userId,
      key.deviceId,
    ]);
    return rows.length > 0;
  }

  /** A dead target (the provider said 404/410) goes, unless the device registered a new one meanwhile. */
  async removeTarget(key: RegistrationKey, target: PushTarget): Promise<void> {
    await this.db.query(`DELETE FROM push_registrations WHERE user_id = $1 AND device_id = $2 AND target = $3::jsonb`, [
      key.userId,
      key.deviceId,
      JSON.stringify(target),
    ]);
  }

  async removeAllOf(userId: string): Promise<void> {
    await this.db.query(`DELETE FROM push_registrations WHERE user_id = $1`, [userId]);
  }

  async list(userId: string): Promise<PushRegistration[]> {
    const rows: RegistrationRow[] = await this.db.query(
      `SELECT device_id, platform, created_at, updated_at FROM push_registrations WHERE user_id = $1 ORDER BY device_id`,
      [userId],
    );
    return rows.map(toRegistration);
  }
}

function toRegistration(row: RegistrationRow): PushRegistration {
  return {
    deviceId: row.device_id,
    platform: row.platform,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
