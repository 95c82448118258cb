import { z } from 'zod';
import { command, event } from '@parley/contracts';
import { eventually, PrivateNatsServer } from '@parley/testing';
import { consumeDurable, ensureMessageStream, followStream, NatsBus, on, StreamReader } from '../src';

const Ping = command('presence', 'test.ping', z.object({}), z.object({ pong: z.literal(true) }));
const Numbered = event('test.numbered', z.object({ n: z.int() }), true);
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

  it('goes on reading the message stream after NATS restarted: the live follower and a durable reader', async () => {
    await ensureMessageStream(serving);
    const followed: number[] = [];
    const durable: number[] = [];
    const readers: StreamReader[] = [
      await followStream(calling, [on(Numbered, ({ n }) => void followed.push(n))], quiet),
      await consumeDurable(calling, { name: 'restart', pollIntervalMs: 50, bindings: [on(Numbered, ({ n }) => void durable.push(n))] }, quiet),
    ];
    for (let n = 1; n <= 5; n++) await publishUntilStored(serving, n);
    await eventually(() => followed.length === 5 && durable.length === 5);
    await server.stop();
    await server.restart();
    for (let n = 6; n <= 10; n++) await publishUntilStored(serving, n);
    await eventually(() => followed.length >= 10 && durable.length >= 10, 'events after the restart', 20_000);
    expect(followed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([...new Set(durable)].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await Promise.all(readers.map((r) => r.stop()));
  });

  it('resumes the live follower when JetStream comes up after the connection did', async () => {
    const followed: number[] = [];
    const reader = await followStream(calling, [on(Numbered, ({ n }) => void (n > 100 && followed.push(n)))], quiet);
    await server.stop();
    // Back without JetStream: the follower's reopen after the reconnect fails.
    await server.restart({ jetstream: false });
    await eventually(() => calling.isConnected, 'the reconnect', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    server.enableJetStream();
    for (let n = 101; n <= 105; n++) await publishUntilStored(serving, n);
    await eventually(() => followed.length >= 5, 'events once JetStream is back', 15_000);
    expect(followed).toEqual([101, 102, 103, 104, 105]);
    await reader.stop();
  });
});

/** Publishes, again every 100 ms until the stream stored it (NATS or JetStream may be coming back). */
async function publishUntilStored(bus: NatsBus, n: number): Promise<void> {
  for (;;) {
    const stored = await bus.publish(Numbered, { n }, { msgId: `restart-${n}` }).then(
      () => true,
      () => false,
    );
    if (stored) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
