import { Injectable } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import { ClientEvent } from '@parley/contracts';
import { countError, countEventIn, newCorrelationId, observeMessageSend, socketConnections, withCorrelationId } from '@parley/telemetry';
import { observeAck, SocketPacket } from './packet-ack';

const CLIENT_EVENTS: ReadonlySet<string> = new Set(Object.values(ClientEvent));

/**
 * Metrics and correlation ids for every client event, in one socket middleware: open
 * connections, events in, error acks by code, message.send latency (frame in to ack out),
 * and a correlation id that follows the event through its NATS hops and log lines.
 */
@Injectable()
export class SocketTelemetry {
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => {
      socketConnections.inc();
      socket.once('disconnect', () => socketConnections.dec());
      socket.use((packet, next) => this.observe(packet, next));
    });
  }

  private observe(packet: SocketPacket, next: (err?: Error) => void): void {
    const event = String(packet[0]);
    // Clients choose event names: only the contract's become label values.
    countEventIn('socket', CLIENT_EVENTS.has(event) ? event : 'unknown');
    const started = event === ClientEvent.MessageSend ? performance.now() : undefined;
    observeAck(packet, (response) => {
      const error = (response as { ok?: boolean; error?: { code?: string } } | undefined)?.ok === false ? (response as { error?: { code?: string } }).error : undefined;
      if (error) countError('socket', String(error.code));
      if (started !== undefined) observeMessageSend(error ? 'error' : 'ok', (performance.now() - started) / 1000);
    });
    withCorrelationId(newCorrelationId(), () => next());
  }
}
