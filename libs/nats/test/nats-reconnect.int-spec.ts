import { z } from 'zod';
import { command } from '@parley/contracts';
import { PrivateNatsServer } from '@parley/testing';
import { NatsBus } from '../src';

const Ping = command('presence', 'test.ping', z.object({}), z.object({ pong: z.literal(true) }));
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('NatsBus when NATS restarts', () => {
  let server: PrivateNatsServer;
  let serving: NatsBus;
  let calling: NatsBus;

  beforeAll(async () => {
    server = await PrivateNatsServer.start();
    const options = { url: server.url, prefix: 'reconnect', requestTimeoutMs: 1000 };
    serving = await NatsBus.connect({ ...options, name: 'serving' }, quiet);
    calling = await NatsBus.connect({ ...options, name: 'calling' }, quiet);
    serving.handle(Ping, () => ({ pong: true as const }));
    await serving.flush();
  });

  afterAll(async () => {
    await Promise.all([serving?.close(), calling?.close()]);
    await server?.destroy();
  });

  it('reconnects and re-subscribes by itself, and requests succeed again', async () => {
    await expect(calling.request(Ping, {})).resolves.toEqual({ pong: true });
    await server.stop();
    await expect(calling.request(Ping, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calling.isConnected).toBe(false);
    const restartedAt = Date.now();
    await server.restart();
    let recoveredAfterMs = -1;
    while (Date.now() - restartedAt < 15_000) {
      const ok = await calling.request(Ping, {}).then(
        () => true,
        () => false,
      );
      if (ok) {
        recoveredAfterMs = Date.now() - restartedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`NATS restart: requests served again ${recoveredAfterMs} ms after the server came back`);
    expect(recoveredAfterMs).toBeGreaterThanOrEqual(0);
    expect(serving.isConnected && calling.isConnected).toBe(true);
  });
});
