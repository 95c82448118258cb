import { Injectable } from '@nestjs/common';
import { DeviceSession } from '@parley/contracts';
import { SocketSession } from './socket-session';

/** The part of a socket the registry needs (keeps it free of Socket.IO types). */
export interface LiveSocket {
  readonly id: string;
  disconnect(close?: boolean): unknown;
}

/** One device of a user on this gateway: its sockets, and when the first of them connected. */
interface Device {
  session: DeviceSession;
  sockets: Set<LiveSocket>;
}

/** This gateway's map userId → deviceId → live sockets. */
@Injectable()
export class ConnectionRegistry {
  private readonly users = new Map<string, Map<string, Device>>();

  /** Returns true when this is the device's first socket here (the device session opens). */
  add(session: SocketSession, socket: LiveSocket): boolean {
    let devices = this.users.get(session.userId);
    if (!devices) this.users.set(session.userId, (devices = new Map()));
    const device = devices.get(session.deviceId);
    if (device) {
      device.sockets.add(socket);
      return false;
    }
    const { userId, orgId, deviceId, connectedAt } = session;
    devices.set(deviceId, { session: { userId, orgId, deviceId, connectedAt }, sockets: new Set([socket]) });
    return true;
  }

  /** Returns true when this was the device's last socket here (the device session closes). */
  remove(session: SocketSession, socket: LiveSocket): boolean {
    const devices = this.users.get(session.userId);
    const device = devices?.get(session.deviceId);
    if (!devices || !device?.sockets.delete(socket) || device.sockets.size > 0) return false;
    devices.delete(session.deviceId);
    if (devices.size === 0) this.users.delete(session.userId);
    return true;
  }

  /** The user's live connections on this gateway. */
  connectionCount(userId: string): number {
    let count = 0;
    for (const device of this.users.get(userId)?.values() ?? []) count += device.sockets.size;
    return count;
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  /** Every device session held here. */
  devices(): DeviceSession[] {
    return [...this.users.values()].flatMap((devices) => [...devices.values()].map((device) => device.session));
  }

  /** Closes every connection of the user here; returns how many there were. */
  disconnectUser(userId: string): number {
    const sockets = [...(this.users.get(userId)?.values() ?? [])].flatMap((device) => [...device.sockets]);
    sockets.forEach((socket) => socket.disconnect(true));
    return sockets.length;
  }
}
