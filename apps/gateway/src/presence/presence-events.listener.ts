import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PresenceChanged, ServerEvent, SnapshotRequested, TypingChanged } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { ConnectionRegistry } from '../ws/connection-registry';
import { SocketPush } from '../ws/socket-push';
import { PresenceReporter } from './presence-reporter.service';
import { PresenceSubscriptions } from './presence-subscriptions.service';

/** What the presence service says to gateways: changes to deliver, and requests for a snapshot of sessions. */
@Injectable()
export class PresenceEventsListener implements OnModuleInit {
  constructor(
    private readonly bus: NatsBus,
    private readonly subscriptions: PresenceSubscriptions,
    private readonly reporter: PresenceReporter,
    private readonly registry: ConnectionRegistry,
    private readonly push: SocketPush,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'NODE_ID'>,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(PresenceChanged, ({ presence, rev }) => this.subscriptions.changed(presence, rev));
    this.bus.subscribe(TypingChanged, ({ notice, recipientIds }) => {
      const here = recipientIds.filter((userId) => this.registry.hasUser(userId));
      this.push.toUsers(here, ServerEvent.Typing, notice);
    });
    this.bus.subscribe(SnapshotRequested, ({ node }) => {
      if (node === undefined || node === this.config.NODE_ID) this.reporter.sendSnapshot();
    });
  }
}
