import type { INestApplication } from '@nestjs/common';
import { createServer, Server, Socket } from 'node:net';

export interface HeldPortOptions {
  port: number;
  host: string;
  /** The accept queue (LISTEN_BACKLOG). */
  backlog: number;
}

/**
 * The gateway's port, bound before the process loads Nest and its modules, connects to NATS
 * and follows the stream: about a second unloaded, several under a reconnect storm. Without
 * it, every client of a restarted gateway meets "connection refused" all that time and backs
 * off further with each try (socket.io-client doubles its delay up to its maximum), so most
 * come back seconds after the gateway is up. Held, their connections wait, unread, and go to
 * the HTTP server as soon as it serves; from then on it takes the listening socket itself.
 */
export class HeldPort {
  private readonly waiting = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly backlog: number,
  ) {
    // Accepted paused: nothing is read until the HTTP server has them.
    server.on('connection', (socket: Socket) => {
      this.waiting.add(socket);
      socket.once('close', () => this.waiting.delete(socket));
    });
  }

  static bind({ port, host, backlog }: HeldPortOptions): Promise<HeldPort> {
    const server = createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog }, () => {
        server.off('error', reject);
        resolve(new HeldPort(server, backlog));
      });
    });
  }

  /** Starts the app's HTTP server on the held socket and hands it the connections that waited. */
  async serve(app: Pick<INestApplication, 'listen' | 'getHttpServer'>): Promise<void> {
    // Node's listen(handle, backlog) takes over the listening socket; Nest passes the arguments on
    // (its typings only know a port). Without the backlog Node would set its default again.
    await (app.listen as unknown as (handle: Server, backlog: number) => Promise<unknown>).call(app, this.server, this.backlog);
    const http = app.getHttpServer() as Server;
    for (const socket of this.waiting) {
      http.emit('connection', socket);
      socket.resume();
    }
    this.waiting.clear();
  }
}
