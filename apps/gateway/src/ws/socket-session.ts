import { Actor } from '@parley/contracts';

/** What the handshake established about a connection; kept in `socket.data`. */
export interface SocketSession extends Actor {
  connectedAt: string;
  /** The token's expiry: from then on every event of the socket is refused. */
  expiresAtMs: number;
}

/** A connected socket as handlers see it (its session is set by the handshake). */
export interface SessionSocket {
  data: SocketSession;
}

/** The Socket.IO room every socket of a user joins, so a push to a user is one emit. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/** The acting user of a socket, from its verified handshake (never from a payload). */
export function actorOf(socket: SessionSocket): Actor {
  const { userId, orgId, deviceId } = socket.data;
  return { userId, orgId, deviceId };
}
