import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DirectoryCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { DirectoryService } from './directory.service';

/** NATS transport of the directory (queue group: any chat node answers). */
@Injectable()
export class DirectoryNatsController implements OnApplicationBootstrap {
  constructor(
    private readonly bus: NatsBus,
    private readonly directory: DirectoryService,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.handle(DirectoryCommands.orgCreate, ({ name, shardSpread }) => this.directory.createOrg(name, shardSpread));
    this.bus.handle(DirectoryCommands.orgGet, ({ orgId }) => this.directory.getOrg(orgId));
    this.bus.handle(DirectoryCommands.userCreate, ({ orgId, displayName }) => this.directory.createUser(orgId, displayName));
    this.bus.handle(DirectoryCommands.userGet, ({ orgId, userId }) => this.directory.getUser(orgId, userId));
    this.bus.handle(DirectoryCommands.usersActive, async ({ users }) => ({ activeUserIds: await this.directory.activeUserIds(users) }));
    this.bus.handle(DirectoryCommands.userList, async ({ orgId }) => ({ users: await this.directory.listUsers(orgId) }));
    this.bus.handle(DirectoryCommands.userDeactivate, async ({ orgId, userId }) => {
      await this.directory.deactivateUser(orgId, userId);
      return {};
    });
  }
}
