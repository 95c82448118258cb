import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { SocketSession } from './socket-session';

/** The part of a socket the registry needs (keeps it free of Socket.IO types). */
export interface LiveSocket {
  readonly id: string;
  disconnect(close?: boolean): unknown;
}

export interface SessionInfo {
  userId: string;
  deviceId: string;
  connectedAt: string;
  node: string;
}

interface Connection {
  socket: LiveSocket;
  connectedAt: string;
}

/** This gateway's map userId → deviceId → live sockets. */
@Injectable()
export class ConnectionRegistry {
  private readonly users = new Map<string, Map<string, Set<Connection>>>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'NODE_ID'>) {}

  add(session: SocketSession, socket: LiveSocket): void {
    let devices = this.users.get(session.userId);
    if (!devices) this.users.set(session.userId, (devices = new Map()));
    let connections = devices.get(session.deviceId);
    if (!connections) devices.set(session.deviceId, (connections = new Set()));
    connections.add({ socket, connectedAt: session.connectedAt });
  }

  remove(session: SocketSession, socket: LiveSocket): void {
    const devices = this.users.get(session.userId);
    const connections = devices?.get(session.deviceId);
    if (!devices || !connections) return;
    for (const connection of connections) if (connection.socket === socket) connections.delete(connection);
    if (connections.size === 0) devices.delete(session.deviceId);
    if (devices.size === 0) this.users.delete(session.userId);
  }

  /** The user's live connections on this gateway. */
  connectionCount(userId: string): number {
    let count = 0;
    for (const connections of this.users.get(userId)?.values() ?? []) count += connections.size;
    return count;
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  /** One entry per live connection, of one user or of everyone connected here. */
  sessions(userId?: string): SessionInfo[] {
    const userIds = userId === undefined ? [...this.users.keys()] : [userId];
    return userIds.flatMap((user) =>
      [...(this.users.get(user) ?? new Map<string, Set<Connection>>())].flatMap(([deviceId, connections]) =>
        [...connections].map(({ connectedAt }) => ({ userId: user, deviceId, connectedAt, node: this.config.NODE_ID })),
      ),
    );
  }

  /** Closes every connection of the user here; returns how many there were. */
  disconnectUser(userId: string): number {
    const sockets = [...(this.users.get(userId)?.values() ?? [])].flatMap((connections) => [...connections].map((c) => c.socket));
    sockets.forEach((socket) => socket.disconnect(true));
    return sockets.length;
  }
}
