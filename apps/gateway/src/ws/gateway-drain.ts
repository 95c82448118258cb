import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'socket.io';
import { ErrorCode, failure, ServerDraining, ServerEvent } from '@parley/contracts';
import { Readiness } from '@parley/service-runtime';
import { countEventOut, draining } from '@parley/telemetry';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { AckFn, observeAck, SocketPacket } from './packet-ack';

/** After its reconnectAfterMs, a client that did not leave by itself gets this long before it is closed. */
const CLIENT_GRACE_MS = 1000;
/** How long a closing connection waits for the acks of events it already took. */
const ACK_WAIT_MS = 5000;

/**
 * The gateway's SIGTERM. It stops accepting connections (the listener closes; readiness
 * fails), then sends every client `server.draining` with its own `reconnectAfterMs`, spread
 * evenly over DRAIN_WINDOW_MS so the other gateways see a ramp, not a stampede. A client
 * still here at its time gets a grace second, then its in-flight events are answered and its
 * transport is closed: Socket.IO clients reconnect by themselves after a transport close, and
 * the load balancer sends them to another gateway. Events that arrive on a connection being
 * closed are answered UNAVAILABLE (retry), never dropped.
 */
@Injectable()
export class GatewayDrain implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(GatewayDrain.name);
  private server?: Server;
  private isDraining = false;
  private readonly inFlight = new WeakMap<Socket, number>();
  private readonly closing = new WeakSet<Socket>();
  private readonly ackWaiters = new WeakMap<Socket, () => void>();

  constructor(
    private readonly readiness: Readiness,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'DRAIN_WINDOW_MS'>,
  ) {}

  onModuleInit(): void {
    this.readiness.register('accepting', () => !this.isDraining);
  }

  attach(server: Server): void {
    this.server = server;
    server.on('connection', (socket: Socket) => socket.use((packet, next) => this.track(socket, packet, next)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  async drain(): Promise<void> {
    if (this.isDraining || !this.server) return;
    this.isDraining = true;
    draining.set(1);
    const started = Date.now();
    (this.adapterHost.httpAdapter.getHttpServer() as HttpServer).close();
    const sockets = [...this.server.of('/').sockets.values()];
    const windowMs = this.config.DRAIN_WINDOW_MS;
    this.logger.log(`draining: ${sockets.length} connection(s) asked to reconnect over ${windowMs} ms`);
    await Promise.all(
      sockets.map((socket, i) => {
        // Evenly spaced slots, each jittered within its slot.
        const reconnectAfterMs = sockets.length === 0 ? 0 : Math.floor(((i + Math.random()) / sockets.length) * windowMs);
        const notice: ServerDraining = { reconnectAfterMs, windowMs };
        socket.emit(ServerEvent.ServerDraining, notice);
        countEventOut('socket', ServerEvent.ServerDraining);
        return this.closeAfter(socket, reconnectAfterMs + CLIENT_GRACE_MS);
      }),
    );
    this.logger.log(`drained in ${Date.now() - started} ms`);
  }

  /** Waits for the client to leave, or closes its transport at its time once its acks are out. */
  private async closeAfter(socket: Socket, ms: number): Promise<void> {
    if (socket.disconnected) return;
    let timer: NodeJS.Timeout | undefined;
    const left = await Promise.race([
      new Promise<true>((resolve) => socket.once('disconnect', () => resolve(true))),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    if (left) return;
    this.closing.add(socket);
    if ((this.inFlight.get(socket) ?? 0) > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.ackWaiters.set(socket, resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ACK_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    // A transport close, not socket.disconnect(): the client reconnects by itself.
    socket.conn.close();
  }

  private track(socket: Socket, packet: SocketPacket, next: (err?: Error) => void): void {
    if (this.closing.has(socket)) {
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') (ack as AckFn)(failure(ErrorCode.UNAVAILABLE, 'this gateway is shutting down: reconnect and retry'));
      return;
    }
    // Only events with a handler here will be acked by it (the not-yet-available ones are acked before middlewares run).
    if (socket.listeners(String(packet[0])).length > 0) {
      const counted = observeAck(packet, () => {
        const left = (this.inFlight.get(socket) ?? 1) - 1;
        this.inFlight.set(socket, left);
        if (left === 0) this.ackWaiters.get(socket)?.();
      });
      if (counted) this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
    }
    next();
  }
}
