import { Injectable } from '@nestjs/common';
import { Presence, PresenceChanged, TypingChanged, TypingNotice } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { PresenceNotifier } from './presence-ports';

/**
 * One NATS message per change to every gateway; each gateway emits it only to its sockets that
 * subscribed to the user (presence) or are members (typing).
 */
@Injectable()
export class NatsPresenceNotifier extends PresenceNotifier {
  constructor(private readonly bus: NatsBus) {
    super();
  }

  presenceChanged(presence: Presence, rev: number): void {
    void this.bus.publish(PresenceChanged, { presence, rev });
  }

  typingChanged(notice: TypingNotice, recipientIds: string[]): void {
    if (recipientIds.length > 0) void this.bus.publish(TypingChanged, { notice, recipientIds });
  }
}
