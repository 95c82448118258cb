import { Injectable } from '@nestjs/common';
import { ErrorCode, ParleyError } from '@parley/contracts';
import { DirectoryRepository } from '../directory/directory.repository';

/**
 * Who may be in a conversation: active users of the same org. A user of another org
 * is FORBIDDEN (the contract says so); an id that is unknown or deactivated is
 * NOT_FOUND, as if the user did not exist. One directory query for the whole list.
 */
@Injectable()
export class MemberEligibility {
  constructor(private readonly directory: DirectoryRepository) {}

  async requireActiveUsersOf(orgId: string, userIds: readonly string[]): Promise<void> {
    const standings = await this.directory.standings(userIds);
    if (standings.some((u) => u.orgId !== orgId)) {
      throw new ParleyError(ErrorCode.FORBIDDEN, 'users of another org cannot be members');
    }
    const active = new Set(standings.filter((u) => u.active).map((u) => u.id));
    const missing = userIds.filter((id) => !active.has(id));
    if (missing.length > 0) {
      throw new ParleyError(ErrorCode.NOT_FOUND, `user not found: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}`);
    }
  }
}
