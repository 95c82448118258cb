import { Injectable } from '@nestjs/common';
import { ErrorCode, ParleyError, toErrorBody } from '@parley/contracts';
import { ActiveUsers } from '../auth/active-users';
import { RateLimits } from '../limits/rate-limits';
import { SocketSession } from './socket-session';

/** The part of a Socket.IO socket the guard needs. */
export interface GuardedSocket {
  readonly id: string;
  readonly data: SocketSession;
  use(middleware: (packet: unknown[], next: (err?: Error) => void) => void): unknown;
  disconnect(close?: boolean): unknown;
}

/**
 * Runs before every client event of a socket: the token must not have expired and
 * the user must still be active (a deactivation seen by this gateway, or the
 * directory's answer once the cache lapses), then the event's rate limits. A refused
 * event is acked with the error (typing, which has no ack, is dropped); a socket
 * whose credentials are gone is closed after the ack.
 */
@Injectable()
export class SocketEventGuard {
  constructor(
    private readonly limits: RateLimits,
    private readonly activeUsers: ActiveUsers,
  ) {}

  attach(socket: GuardedSocket): void {
    socket.use((packet, next) => {
      const refuse = (err: unknown) => {
        const ack = packet[packet.length - 1];
        if (typeof ack === 'function') ack({ ok: false, error: toErrorBody(err) });
        if (err instanceof ParleyError && err.code === ErrorCode.UNAUTHORIZED) socket.disconnect(true);
      };
      const session = socket.data;
      try {
        if (Date.now() >= session.expiresAtMs) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'the token has expired');
        // The common case stays synchronous: a user seen active recently, within its limits.
        if (this.activeUsers.isKnownActive(session.userId)) {
          this.limits.event(String(packet[0]), session.userId, socket.id);
          return next();
        }
      } catch (err) {
        return refuse(err);
      }
      this.activeUsers.requireActive(session.orgId, session.userId).then(() => {
        try {
          this.limits.event(String(packet[0]), session.userId, socket.id);
        } catch (err) {
          return refuse(err);
        }
        next();
      }, refuse);
    });
  }
}
