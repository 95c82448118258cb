import { Injectable } from '@nestjs/common';
import { ErrorCode, ParleyError } from '@parley/contracts';
import { ShardedDatabase } from '@parley/store';
import { ConversationQueryService } from '../conversations/conversation-query.service';
import { OrgDirectoryRepository } from './org-directory.repository';

@Injectable()
export class HistoryAdminService {
  constructor(
    private readonly db: ShardedDatabase,
    private readonly orgs: OrgDirectoryRepository,
    private readonly conversations: ConversationQueryService,
  ) {}

  async orgConversations(orgId: string) {
    if (!(await this.orgs.exists(orgId))) throw new ParleyError(ErrorCode.NOT_FOUND, 'org not found');
    return this.conversations.listForOrg(orgId);
  }

  async shardStatus() {
    return { logicalShards: this.db.shardMap.logicalShards, shards: await this.db.health() };
  }
}
