import type { INestApplication } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { connect } from 'node:net';
import { freePort } from '@parley/launcher';
import { HeldPort } from './held-port';

/** The two calls serve() makes on a Nest application, on a plain HTTP server. */
function appOn(http: Server): Pick<INestApplication, 'listen' | 'getHttpServer'> {
  const listen = (handle: unknown, backlog: number) => new Promise<Server>((resolve) => http.listen(handle, backlog, () => resolve(http)));
  return { getHttpServer: () => http, listen: listen as unknown as INestApplication['listen'] };
}

/** Sends a GET over a raw socket and resolves with the status line. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

describe('HeldPort', () => {
  let http: Server;

  beforeEach(() => {
    http = createServer((req, res) => res.end(req.url));
  });

  afterEach(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it('holds connections made before the server serves and hands them over, then serves new ones itself', async () => {
    const port = await freePort();
    const held = await HeldPort.bind({ port, host: '127.0.0.1', backlog: 64 });
    const early = get(port);
    let answered = false;
    void early.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false); // connected, waiting: not refused
    await held.serve(appOn(http));
    expect(await early).toBe('HTTP/1.1 200 OK');
    expect(await get(port)).toBe('HTTP/1.1 200 OK');
  });

  it('refuses to start on a port in use', async () => {
    const port = await freePort();
    const first = await HeldPort.bind({ port, host: '127.0.0.1', backlog: 64 });
    await expect(HeldPort.bind({ port, host: '127.0.0.1', backlog: 64 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.serve(appOn(http));
  });
});
