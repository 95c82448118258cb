import { Injectable } from '@nestjs/common';
import { Actor, ConversationMuteInput, NotificationCommands, PushRegistrationInput, PushUnregisterInput } from '@parley/contracts';
import { NatsBus } from '@parley/nats';

/** What a client may ask of the notification service, whatever the transport: push targets and mutes. */
@Injectable()
export class NotificationCommandsService {
  constructor(private readonly bus: NatsBus) {}

  pushConfig() {
    return this.bus.request(NotificationCommands.pushConfig, {});
  }

  register(actor: Actor, input: PushRegistrationInput) {
    return this.bus.request(NotificationCommands.pushRegister, { actor, input });
  }

  unregister(actor: Actor, input: PushUnregisterInput) {
    return this.bus.request(NotificationCommands.pushUnregister, { actor, input });
  }

  registrations(actor: Actor) {
    return this.bus.request(NotificationCommands.pushList, { actor, input: {} });
  }

  mute(actor: Actor, input: ConversationMuteInput) {
    return this.bus.request(NotificationCommands.muteSet, { actor, input });
  }

  mutes(actor: Actor) {
    return this.bus.request(NotificationCommands.muteList, { actor, input: {} });
  }
}
