import { Injectable, OnModuleInit } from '@nestjs/common';
import { NotificationCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ConversationMuteService } from './mutes/conversation-mute.service';
import { PushRegistrationService } from './registrations/push-registration.service';

/** NATS transport of the notification service: validation happens in the bus, logic in the services. */
@Injectable()
export class NotificationNatsController implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly registrations: PushRegistrationService,
    private readonly mutes: ConversationMuteService,
  ) {}

  onModuleInit(): void {
    this.bus.handle(NotificationCommands.pushConfig, () => this.registrations.config());
    this.bus.handle(NotificationCommands.pushRegister, ({ actor, input }) => this.registrations.register(actor, input));
    this.bus.handle(NotificationCommands.pushUnregister, async ({ actor, input }) => {
      await this.registrations.unregister(actor, input.deviceId);
      return {};
    });
    this.bus.handle(NotificationCommands.pushList, async ({ actor }) => ({ registrations: await this.registrations.list(actor) }));
    this.bus.handle(NotificationCommands.muteSet, ({ actor, input }) => this.mutes.set(actor, input));
    this.bus.handle(NotificationCommands.muteList, async ({ actor }) => ({ mutes: await this.mutes.list(actor) }));
  }
}
