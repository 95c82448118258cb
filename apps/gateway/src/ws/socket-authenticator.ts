import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { Actor, ErrorCode, ParleyError, toErrorBody } from '@parley/contracts';
import { ActiveUsers } from '../auth/active-users';
import { JwtVerifier } from '../auth/jwt-verifier';
import { SocketSession } from './socket-session';

type Next = (err?: Error) => void;

const DeviceId = Actor.shape.deviceId;

/**
 * The Socket.IO handshake check: `auth: {token, deviceId?}`. A refused connect
 * reaches the client as `connect_error` whose message is the error code.
 */
@Injectable()
export class SocketAuthenticator {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly activeUsers: ActiveUsers,
  ) {}

  readonly middleware = (socket: Socket, next: Next): void => {
    this.authenticate(socket.id, socket.handshake.auth).then(
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
