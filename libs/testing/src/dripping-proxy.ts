import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';

/**
 * A TCP proxy that passes what the client sends at once and hands what the server answers
 * to the client a few bytes at a time, each piece in its own socket read: what a loaded
 * machine does to a burst of messages, made certain.
 */
export class DrippingProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(upstream: { host: string; port: number }, pieceBytes: number): Promise<DrippingProxy> {
    const server = createServer();
    const proxy = new DrippingProxy(server);
    server.on('connection', (client) => proxy.bridge(client, connect(upstream), pieceBytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `nats://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private bridge(client: Socket, server: Socket, pieceBytes: number): void {
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.setNoDelay(true);
    client.pipe(server);
    // Pieces go out one per timer tick, in order, so the client reads each one alone.
    let queue = Promise.resolve();
    server.on('data', (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; at += pieceBytes) {
        const piece = chunk.subarray(at, at + pieceBytes);
        queue = queue.then(() => new Promise((resolve) => setTimeout(() => client.write(piece, () => resolve()), 1)));
      }
    });
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
  }
}
