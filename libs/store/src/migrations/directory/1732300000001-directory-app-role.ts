import { MigrationInterface, QueryRunner } from 'typeorm';
import { grantAppRole, revokeAppRole } from '../app-role';

/**
 * The directory is read by org for users and whole for admin views and the shard map,
 * so it has no row-level policy; the application role still owns none of it.
 */
export class DirectoryAppRole1732300000001 implements MigrationInterface {
  name = 'DirectoryAppRole1732300000001';

  async up(q: QueryRunner): Promise<void> {
    await grantAppRole(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await revokeAppRole(q);
  }
}
