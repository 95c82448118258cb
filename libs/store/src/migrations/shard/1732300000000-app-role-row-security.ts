import { MigrationInterface, QueryRunner } from 'typeorm';
import { disableOrgRowSecurity, enableOrgRowSecurity, grantAppRole, revokeAppRole } from '../app-role';

const ORG_TABLES = ['conversations', 'conversation_members', 'messages', 'device_cursors'];

/** Services connect as the application role; row-level security on org_id backs up the service checks. */
export class AppRoleRowSecurity1732300000000 implements MigrationInterface {
  name = 'AppRoleRowSecurity1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await grantAppRole(q);
    for (const table of ORG_TABLES) await enableOrgRowSecurity(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ORG_TABLES) await disableOrgRowSecurity(q, table);
    await revokeAppRole(q);
  }
}
