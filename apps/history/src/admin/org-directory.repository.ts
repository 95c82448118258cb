import { Injectable } from '@nestjs/common';
import { ShardedDatabase } from '@parley/store';

/** Read-only look at the directory: the admin views need to tell an unknown org from an empty one. */
@Injectable()
export class OrgDirectoryRepository {
  constructor(private readonly db: ShardedDatabase) {}

  async exists(orgId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.directory.query('SELECT 1 FROM orgs WHERE id = $1', [orgId]);
    return rows.length > 0;
  }
}
