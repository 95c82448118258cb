import { createServer, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { ConnectingEngine, CorkableSocket, FlushableConnection, SocketWriteCoalescer } from './socket-write-coalescer';

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

/** An engine.io connection over a WebSocket: what it flushes, and the TCP socket's cork level when it did. */
class FakeConnection implements FlushableConnection {
  writeBuffer: string[] = [];
  readonly flushed: Array<{ packets: string[]; corked: number }> = [];
  readonly tcp = { corked: 0, cork: () => this.tcp.corked++, uncork: () => this.tcp.corked-- };
  readonly transport = { name: 'websocket', socket: { _socket: this.tcp as CorkableSocket } };

  send(packet: string): void {
    this.writeBuffer.push(packet);
    this.flush();
  }
  flush(): void {
    if (this.writeBuffer.length === 0) return;
    this.flushed.push({ packets: this.writeBuffer, corked: this.tcp.corked });
    this.writeBuffer = [];
  }
}

describe('SocketWriteCoalescer', () => {
  it('hands a turn’s packets to the transport at the end of the turn, together, in order, with the TCP socket corked', async () => {
    const coalescer = new SocketWriteCoalescer(() => undefined);
    const connection = new FakeConnection();
    coalescer.coalesce(connection);
    connection.send('ack');
    connection.send('message.new 1');
    connection.send('message.new 2');
    expect(connection.flushed).toEqual([]);
    await endOfTurn();
    expect(connection.flushed).toEqual([{ packets: ['ack', 'message.new 1', 'message.new 2'], corked: 1 }]);
    expect(connection.tcp.corked).toBe(0);
  });

  it('flushes each connection of the turn, and schedules nothing when engine.io flushes an empty buffer', async () => {
    const coalescer = new SocketWriteCoalescer(() => undefined);
    const [a, b] = [new FakeConnection(), new FakeConnection()];
    coalescer.coalesce(a);
    coalescer.coalesce(b);
    a.flush();
    b.send('x');
    a.send('y');
    await endOfTurn();
    expect(a.flushed.map((f) => f.packets)).toEqual([['y']]);
    expect(b.flushed.map((f) => f.packets)).toEqual([['x']]);
    b.send('z');
    await endOfTurn();
    expect(b.flushed.map((f) => f.packets)).toEqual([['x'], ['z']]);
  });

  it('reports a connection whose flush throws, uncorks it, and still flushes the others', async () => {
    const failures: unknown[] = [];
    const coalescer = new SocketWriteCoalescer((err) => failures.push(err));
    const [broken, fine] = [new FakeConnection(), new FakeConnection()];
    broken.flush = () => {
      throw new Error('boom');
    };
    coalescer.coalesce(broken);
    coalescer.coalesce(fine);
    broken.writeBuffer.push('lost');
    broken.flush();
    fine.send('kept');
    await endOfTurn();
    expect(failures).toEqual([new Error('boom')]);
    expect(broken.tcp.corked).toBe(0);
    expect(fine.flushed.map((f) => f.packets)).toEqual([['kept']]);
  });

  describe('on a real Socket.IO server', () => {
    let http: HttpServer;
    let server: Server;
    let client: ClientSocket;

    beforeEach(async () => {
      http = createServer();
      server = new Server(http, { transports: ['websocket'] });
      new SocketWriteCoalescer(() => undefined).attach(server.engine as unknown as ConnectingEngine);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false });
    });

    afterEach(async () => {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    });

    it('sends one turn’s events to a client in one socket write, in order, and acks as before', async () => {
      const writes: number[] = [];
      server.on('connection', (socket) => {
        const tcp = (socket.conn as unknown as { transport: { socket: { _socket: { _writev: (...args: unknown[]) => unknown; _write: (...args: unknown[]) => unknown } } } }).transport.socket._socket;
        const writev = tcp._writev.bind(tcp);
        const write = tcp._write.bind(tcp);
        tcp._writev = (...args: unknown[]) => (writes.push((args[0] as unknown[]).length), writev(...args));
        tcp._write = (...args: unknown[]) => (writes.push(1), write(...args));
        socket.on('ping?', (n: number, ack: (reply: unknown) => void) => {
          writes.length = 0; // the handshake's CONNECT packet went out before
          ack({ ok: true, data: n });
          for (let i = 0; i < 3; i++) socket.emit('event', i);
          server.to(socket.id).emit('event', 3);
        });
      });
      await new Promise<void>((resolve) => client.on('connect', () => resolve()));
      const events: number[] = [];
      const all = new Promise<void>((resolve) =>
        client.on('event', (i: number) => {
          events.push(i);
          if (events.length === 4) resolve();
        }),
      );
      const reply = await client.emitWithAck('ping?', 7);
      await all;
      expect(reply).toEqual({ ok: true, data: 7 });
      expect(events).toEqual([0, 1, 2, 3]);
      // The ack and four events, each frame a header and a payload chunk: one writev.
      expect(writes).toEqual([10]);
    });
  });
});
