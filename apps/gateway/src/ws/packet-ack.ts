/** A Socket.IO packet as socket.use() middlewares see it: `[event, ...args, ack?]`. */
export type SocketPacket = unknown[];
export type AckFn = (response: unknown) => void;

/**
 * Puts `observe` in front of the packet's ack callback (when it has one) and returns
 * whether it had one. Socket.IO hands the same array to the event's handler, so the
 * handler's reply goes through `observe` first.
 */
export function observeAck(packet: SocketPacket, observe: (response: unknown) => void): boolean {
  const last = packet.length - 1;
  const ack = packet[last];
  if (last < 1 || typeof ack !== 'function') return false;
  packet[last] = (response: unknown) => {
    observe(response);
    (ack as AckFn)(response);
  };
  return true;
}
