import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RateLimits } from '../limits/rate-limits';
import { ConnectionRegistry } from './connection-registry';
import { GatewayDrain } from './gateway-drain';
import { answerNotYetAvailable } from './not-yet-available';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketEventGuard } from './socket-event-guard';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { SocketPush } from './socket-push';
import { SocketTelemetry } from './socket-telemetry';
import { SocketSession, userRoom } from './socket-session';

/** Connection lifecycle: handshake auth, the local user → sockets map, the user's room, the per-event guard. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class ConnectionGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly authenticator: SocketAuthenticator,
    private readonly registry: ConnectionRegistry,
    private readonly push: SocketPush,
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
    this.registry.add(socket.data, socket);
    void socket.join(userRoom(socket.data.userId));
    this.guard.attach(socket);
    answerNotYetAvailable(socket);
  }

  handleDisconnect(socket: Socket<never, never, never, SocketSession>): void {
    this.registry.remove(socket.data, socket);
    this.limits.connectionClosed(socket.id);
  }
}
