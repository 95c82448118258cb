import { isObservable, Observable } from 'rxjs';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { ConfiguredIoAdapter } from './configured-io-adapter';
import type { MessageMappingProperties } from '@nestjs/websockets';

/** Nest's own copy of socket.io (platform-socket.io pins one), so its Socket type. */
type NestSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];
type Reply = { event?: string; data?: unknown } | null | undefined;

/** The part of a socket a client-event listener needs. */
export interface ListeningSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

/** Nest's split of a listener's arguments into payload and ack (it reads no adapter state). */
const mapPayload = (payload: unknown): { data?: unknown; ack?: unknown } => IoAdapter.prototype.mapPayload(payload);

/**
 * One listener for a client event: `handle` gets the payload and ack as Nest's adapter splits
 * them, and its result (value, promise or observable) goes to the client's ack, or is
 * emitted when it names an `event`; nothing for null/undefined.
 */
export function onClientEvent(
  socket: ListeningSocket,
  event: string,
  handle: (data: unknown, ack: unknown) => unknown,
  isAckHandledManually = false,
): void {
  socket.on(event, (...args: unknown[]) => {
    // The payload as rxjs' fromEvent would have passed it: one argument as is, several as an array.
    const { data, ack } = mapPayload(args.length > 1 ? args : args[0]);
    const answer = (reply: Reply) => {
      if (reply === null || reply === undefined) return;
      if (reply.event) socket.emit(reply.event, reply.data);
      else if (!isAckHandledManually && typeof ack === 'function') ack(reply);
    };
    void Promise.resolve(handle(data, ack)).then((result: unknown) => {
      if (isObservable(result)) result.subscribe((value) => answer(value as Reply));
      else if (result instanceof Promise) return result.then(answer);
      else answer(result as Reply);
    });
  });
}

/**
 * The gateway's Socket.IO adapter (configured options, see ConfiguredIoAdapter), binding each @SubscribeMessage handler to a socket with one
 * listener instead of an rxjs pipeline per handler per socket. The pipelines cost ~30 KB of heap
 * per connection (every handler of every gateway class, on every socket) and several
 * allocations per event.
 */
export class LeanIoAdapter extends ConfiguredIoAdapter {
  override bindMessageHandlers(socket: NestSocket, handlers: MessageMappingProperties[], _transform: (data: unknown) => Observable<unknown>): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      onClientEvent(socket as unknown as ListeningSocket, message as string, callback, isAckHandledManually);
    }
  }
}
