import { ClientEvent, ErrorCode, failure } from '@parley/contracts';

/**
 * Client events of the contract whose backend is not built yet. Their callers still
 * get an ack (UNAVAILABLE) rather than waiting forever; an event leaves this list
 * when its handler is written.
 */
export const NOT_YET_AVAILABLE: ReadonlySet<string> = new Set<string>([
  ClientEvent.PresenceSubscribe,
  ClientEvent.PresenceUnsubscribe,
]);

interface AnySocket {
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

/** Acks every not-yet-available event a socket sends with UNAVAILABLE. */
export function answerNotYetAvailable(socket: AnySocket): void {
  socket.onAny((event, ...args) => {
    if (!NOT_YET_AVAILABLE.has(event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack(failure(ErrorCode.UNAVAILABLE, `${event} is not available yet`));
  });
}
