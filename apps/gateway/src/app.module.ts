import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { natsOptions } from '@parley/config';
import { NatsModule } from '@parley/nats';
import { ServiceRuntimeModule } from '@parley/service-runtime';
import { AdminService } from './admin/admin.service';
import { ActiveUsers } from './auth/active-users';
import { JwtVerifier } from './auth/jwt-verifier';
import { TokenIssuer } from './auth/token-issuer';
import { ChatCommandsService } from './commands/chat-commands.service';
import { NotificationCommandsService } from './commands/notification-commands.service';
import { EventFanout } from './fanout/event-fanout.service';
import { GATEWAY_CONFIG, GatewayConfig } from './gateway.config';
import { BackendReadiness } from './health/backend-readiness';
import { AdminController } from './http/admin.controller';
import { ConversationsController } from './http/conversations.controller';
import { ErrorResponseFilter } from './http/error-response.filter';
import { NotificationsController } from './http/notifications.controller';
import { RateLimits } from './limits/rate-limits';
import { PresenceEventsListener } from './presence/presence-events.listener';
import { PresenceGateway } from './presence/presence.gateway';
import { PresenceReporter } from './presence/presence-reporter.service';
import { PresenceSubscriptions } from './presence/presence-subscriptions.service';
import { ChatNodeMembership } from './routing/chat-node-membership';
import { ChatRouter } from './routing/chat-router';
import { ConnectionGateway } from './ws/connection.gateway';
import { ConnectionRegistry } from './ws/connection-registry';
import { ConversationsGateway } from './ws/conversations.gateway';
import { DeliveryGateway } from './ws/delivery.gateway';
import { GatewayDrain } from './ws/gateway-drain';
import { MessagesGateway } from './ws/messages.gateway';
import { NotificationsGateway } from './ws/notifications.gateway';
import { SocketAuthenticator } from './ws/socket-authenticator';
import { SocketEventGuard } from './ws/socket-event-guard';
import { SocketPush } from './ws/socket-push';
import { SocketTelemetry } from './ws/socket-telemetry';

@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        NatsModule.forRoot(natsOptions(config, 'gateway')),
        ServiceRuntimeModule.forService({ service: 'gateway', nodeId: config.NODE_ID }),
      ],
      controllers: [AdminController, ConversationsController, NotificationsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ErrorResponseFilter },
        BackendReadiness,
        JwtVerifier,
        ActiveUsers,
        TokenIssuer,
        RateLimits,
        ChatNodeMembership,
        ChatRouter,
        ChatCommandsService,
        NotificationCommandsService,
        AdminService,
        ConnectionRegistry,
        SocketPush,
        SocketTelemetry,
        GatewayDrain,
        SocketAuthenticator,
        SocketEventGuard,
        ConnectionGateway,
        ConversationsGateway,
        MessagesGateway,
        DeliveryGateway,
        NotificationsGateway,
        EventFanout,
        PresenceReporter,
        PresenceSubscriptions,
        PresenceGateway,
        PresenceEventsListener,
      ],
    };
  }
}
