import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import { ServerEvent } from '@parley/contracts';
import { countEventOut } from '@parley/telemetry';
import { userRoom } from './socket-session';

/** Server → client events, addressed to users (all their sockets on this gateway). */
@Injectable()
export class SocketPush {
  private server?: Server;

  attach(server: Server): void {
    this.server = server;
  }

  /** One emit (one serialization) for all the users' rooms. */
  toUsers(userIds: readonly string[], event: ServerEvent, payload: unknown): void {
    // An empty room list would mean "everyone" to Socket.IO.
    if (!this.server || userIds.length === 0) return;
    this.server.to(userIds.map(userRoom)).emit(event, payload);
    countEventOut('socket', event);
  }
}
