import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { Actor, ErrorCode, ParleyError, RateLimitedError, toErrorBody } from '@parley/contracts';
import { ActiveUsers } from '../auth/active-users';
import { JwtVerifier } from '../auth/jwt-verifier';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { clientIp } from '../limits/client-ip';
import { RateLimits } from '../limits/rate-limits';
import { ConnectionRegistry } from './connection-registry';
import { SocketSession } from './socket-session';

type Next = (err?: Error) => void;

const DeviceId = Actor.shape.deviceId;

/**
 * The Socket.IO handshake check: connection attempts per IP, then `auth: {token,
 * deviceId?}`, then the user's connection cap on this gateway. A refused connect
 * reaches the client as `connect_error` whose message is the error code.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly activeUsers: ActiveUsers,
    private readonly limits: RateLimits,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'MAX_CONNECTIONS_PER_USER' | 'TRUST_PROXY'>,
  ) {}

  readonly middleware = (socket: Socket, next: Next): void => {
    this.admit(socket).then(
      (session) => {
        socket.data = session;
        next();
      },
      (err: unknown) => {
        const body = toErrorBody(err);
        next(Object.assign(new Error(body.code), { data: body }));
      },
    );
  };

  private async admit(socket: Socket): Promise<SocketSession> {
    this.limits.connectAttempt(clientIp(socket.handshake.headers, socket.handshake.address, this.config.TRUST_PROXY));
    const session = await this.authenticate(socket.id, socket.handshake.auth);
    if (this.registry.connectionCount(session.userId) >= this.config.MAX_CONNECTIONS_PER_USER) {
      // Waiting does not help here: a connection must close first.
      throw new RateLimitedError(1000, `at most ${this.config.MAX_CONNECTIONS_PER_USER} connections per user`);
    }
    return session;
  }

  async authenticate(socketId: string, auth: unknown): Promise<SocketSession> {
    const { token, deviceId } = (auth && typeof auth === 'object' ? auth : {}) as Record<string, unknown>;
    const { userId, orgId, expiresAtMs } = await this.verifier.verify(token);
    const session = { userId, orgId, deviceId: this.deviceIdOf(socketId, deviceId), connectedAt: new Date().toISOString(), expiresAtMs };
    await this.activeUsers.requireActive(orgId, userId);
    return session;
  }

  /** A client-chosen stable id; without one, the connection is a device of its own. */
  private deviceIdOf(socketId: string, deviceId: unknown): string {
    if (deviceId === undefined || deviceId === null) return `anon-${socketId}`;
    if (!DeviceId.safeParse(deviceId).success) throw new ParleyError(ErrorCode.BAD_REQUEST, 'deviceId must be a string of 1 to 64 characters');
    return deviceId as string;
  }
}
