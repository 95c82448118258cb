import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { PresenceReporter } from '../presence/presence-reporter.service';
import { PresenceSubscriptions } from '../presence/presence-subscriptions.service';
import { RateLimits } from '../limits/rate-limits';
import { ConnectionRegistry } from './connection-registry';
import { GatewayDrain } from './gateway-drain';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketEventGuard } from './socket-event-guard';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { SocketPush } from './socket-push';
import { SocketTelemetry } from './socket-telemetry';
import { SocketSession, userRoom } from './socket-session';

/** Connection lifecycle: handshake auth, the local user → sockets map, the user's room, the per-event guard, presence reports. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class ConnectionGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly authenticator: SocketAuthenticator,
    private readonly registry: ConnectionRegistry,
    private readonly push: SocketPush,
    private readonly presence: PresenceReporter,
    private readonly subscriptions: PresenceSubscriptions,
    private readonly guard: SocketEventGuard,
    private readonly limits: RateLimits,
    private readonly telemetry: SocketTelemetry,
    private readonly drain: GatewayDrain,
  ) {}

  afterInit(server: Server): void {
    server.use(this.authenticator.middleware);
    this.push.attach(server);
    this.telemetry.attach(server);
    this.drain.attach(server);
  }

  handleConnection(socket: Socket<never, never, never, SocketSession>): void {
    if (this.registry.add(socket.data, socket)) this.presence.deviceConnected(socket.data);
    this.subscriptions.socketOpened(socket.id);
    void socket.join(userRoom(socket.data.userId));
    this.guard.attach(socket);
  }

  handleDisconnect(socket: Socket<never, never, never, SocketSession>): void {
    this.subscriptions.socketClosed(socket.id);
    if (this.registry.remove(socket.data, socket)) this.presence.deviceDisconnected(socket.data.userId, socket.data.deviceId);
    this.limits.connectionClosed(socket.id);
  }
}
