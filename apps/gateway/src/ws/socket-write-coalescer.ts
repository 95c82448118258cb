/** The part of a TCP socket the coalescer needs: Node's cork/uncork (nested corks count). */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

/**
 * An engine.io connection: `flush()` hands its buffered packets to the transport, which over
 * WebSocket is a `ws` socket on a TCP socket. engine.io itself calls `flush()` after every
 * packet it buffers and when the transport drains.
 */
export interface FlushableConnection {
  flush(): void;
  readonly writeBuffer: readonly unknown[];
  readonly transport?: { readonly name?: string; readonly socket?: { readonly _socket?: CorkableSocket } };
}

/** What engine.io's server reports when a client connects. */
export interface ConnectingEngine {
  on(event: 'connection', listener: (connection: FlushableConnection) => void): unknown;
}

/**
 * Sends what one turn of the event loop gave a client in one socket write, at the end of the
 * turn (setImmediate), like the NATS PublishBatcher. engine.io flushes each packet to the
 * transport as it comes and `ws` writes each frame at once: a `writev` syscall per frame, the
 * gateway's largest cost (22% of its busy time at 1,000 msg/s), and when the gateway is busy one
 * turn often has several frames for one client (an ack and `message.new`s, deliveries queued
 * behind each other). Here a connection's flush waits for the end of the turn, and the TCP
 * socket is corked while engine.io hands the packets to `ws`, so the frames leave in one
 * write. Order is kept (engine.io's buffer is one queue per connection); nothing is dropped:
 * engine.io's close waits for its buffer to drain, which the deferred flush does.
 */
export class SocketWriteCoalescer {
  private pending = new Set<FlushableConnection>();
  private readonly flushNow = new WeakMap<FlushableConnection, () => void>();
  private scheduled = false;

  /** `failed` gets what a connection's flush threw; the other connections are flushed all the same. */
  constructor(private readonly failed: (err: unknown) => void) {}

  /** Makes the connection's flushes wait for the end of the turn. */
  coalesce(connection: FlushableConnection): void {
    this.flushNow.set(connection, connection.flush.bind(connection));
    connection.flush = () => this.defer(connection);
  }

  /** Coalesces every connection the engine accepts. */
  attach(engine: ConnectingEngine): void {
    engine.on('connection', (connection) => this.coalesce(connection));
  }

  /** Flushes every connection that asked during this turn, each in one write. */
  release(): void {
    const connections = this.pending;
    this.pending = new Set();
    this.scheduled = false;
    for (const connection of connections) {
      const transport = connection.transport;
      const socket = transport?.name === 'websocket' ? transport.socket?._socket : undefined;
      socket?.cork();
      try {
        this.flushNow.get(connection)?.();
      } catch (err) {
        this.failed(err);
      } finally {
        socket?.uncork();
      }
    }
  }

  private defer(connection: FlushableConnection): void {
    // engine.io also flushes whenever the transport is ready again, mostly with nothing buffered.
    if (connection.writeBuffer.length === 0) return;
    this.pending.add(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }
}
