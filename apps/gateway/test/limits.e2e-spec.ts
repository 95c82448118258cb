import { io } from 'socket.io-client';
import { Conversation, Message } from '@parley/contracts';
import { AdminFactory, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

const SEND_PER_SECOND = 20;
const ORIGIN = 'https://app.example';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Rate limits, sizes, connection caps and Origins, with limits on (test systems run without them otherwise). */
describe('limits at the gateway', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  let flooder: Named, victim: Named, friend: Named;
  const clients = new TestClientPool();
  const connect = (user: Named, deviceId?: string) => clients.connect(sys.url, user.token, deviceId);

  beforeAll(async () => {
    sys = await startTestSystem({
      chatNodes: 1,
      env: {
        RATE_LIMITS_ENABLED: 'true',
        RATE_LIMIT_SEND_USER: `${SEND_PER_SECOND}:${SEND_PER_SECOND}`,
        RATE_LIMIT_SEND_CONNECTION: 'off',
        RATE_LIMIT_CREATE_USER: '1:3',
        // Bursts the tests below exceed with refills too slow to matter: on a loaded machine a burst
        // of 100 requests can take seconds to serve, and a refill of 20/s would let it all through.
        RATE_LIMIT_OTHER_USER: '1:10',
        RATE_LIMIT_CONNECT_IP: '5:40',
        RATE_LIMIT_ADMIN_IP: '1:60',
        MAX_CONNECTIONS_PER_USER: '3',
        ALLOWED_ORIGINS: ORIGIN,
      },
    });
    admin = new AdminFactory(sys.url, sys.adminToken);
    [flooder, victim, friend] = (await admin.orgWithUsers(['Flooder', 'Victim', 'Friend'])).users;
  });

  afterAll(async () => {
    clients.closeAll();
    await sys?.stop();
  });

  it('flood: a user at 10x its send limit gets no more than the limit through, and another user is not slowed', async () => {
    const flood = [await connect(flooder, 'f1'), await connect(flooder, 'f2')];
    const victimDevice = await connect(victim, 'v1');
    const { conversation: floodConv } = await flood[0].ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [friend.id] });
    const { conversation: victimConv } = await victimDevice.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [friend.id] });

    let victimSeq = 0;
    const victimLatencies = async (durationMs: number) => {
      const latencies: number[] = [];
      const until = Date.now() + durationMs;
      while (Date.now() < until) {
        const started = performance.now();
        const ack = await victimDevice.call<{ message: Message }>('message.send', { conversationId: victimConv.id, clientMsgId: `v-${victimSeq++}`, body: 'hi' });
        expect(ack.ok).toBe(true);
        latencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
      return latencies;
    };

    const baseline = await victimLatencies(3000);

    const floodMs = 3000;
    const rate = SEND_PER_SECOND * 10;
    const acks: Array<Promise<{ ok: boolean; error?: { code: string } }>> = [];
    const started = Date.now();
    const flooding = (async () => {
      for (let i = 0; Date.now() - started < floodMs; i++) {
        acks.push(flood[i % 2].call('message.send', { conversationId: floodConv.id, clientMsgId: `f-${i}`, body: 'spam' }));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, (10 * 1000) / rate));
      }
    })();
    const during = await victimLatencies(floodMs);
    await flooding;
    const results = await Promise.all(acks);
    const elapsedS = (Date.now() - started) / 1000;
    const accepted = results.filter((a) => a.ok).length;
    const refused = results.filter((a) => !a.ok);
    const allowed = SEND_PER_SECOND + SEND_PER_SECOND * elapsedS;
    const report = {
      attempted: results.length,
      attemptedPerSecond: +(results.length / elapsedS).toFixed(1),
      accepted,
      allowedAtMost: Math.floor(allowed),
      victimP50BaselineMs: +percentile(baseline, 50).toFixed(1),
      victimP99BaselineMs: +percentile(baseline, 99).toFixed(1),
      victimP50DuringFloodMs: +percentile(during, 50).toFixed(1),
      victimP99DuringFloodMs: +percentile(during, 99).toFixed(1),
    };
    console.log(`flood: ${JSON.stringify(report)}`);

    expect(results.length).toBeGreaterThan(SEND_PER_SECOND * 5 * (floodMs / 1000)); // really flooding (>= 5x)
    expect(accepted).toBeLessThanOrEqual(Math.ceil(allowed));
    expect(accepted).toBeGreaterThan(SEND_PER_SECOND * (floodMs / 1000) * 0.8);
    expect(refused.every((a) => a.error?.code === 'RATE_LIMITED')).toBe(true);
    // The stored history agrees with the acks: nothing refused was written.
    const page = await flood[0].ok<{ messages: Message[] }>('history.fetch', { conversationId: floodConv.id, limit: 100 });
    expect(page.messages.length).toBe(Math.min(accepted, 100));
    // The point is no queueing behind the flood, which would slow most of the victim's sends; the
    // median, not the p99: with ~30 sends the p99 is the one slowest, which a pause of this shared
    // 2-core machine decides (297 ms against a 288 ms bound in one CI run).
    expect(percentile(during, 50)).toBeLessThan(percentile(baseline, 50) * 5 + 100);
  });

  it('limits conversation creation per user and reads per user over REST, with Retry-After', async () => {
    const device = await connect(friend, 'friend-1');
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ack = await device.call('conversation.create', { kind: 'group', memberIds: [victim.id], title: `g${i}` });
      codes.push(ack.ok ? 'ok' : ack.error.code);
    }
    expect(codes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(codes).toContain('RATE_LIMITED');

    const answers = await Promise.all(Array.from({ length: 15 }, () => fetch(`${sys.url}/v1/conversations`, { headers: { authorization: `Bearer ${friend.token}` } })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited[0].json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another user is not affected.
    expect((await new ParleyHttp(sys.url, victim.token).call('GET', '/v1/conversations')).status).toBe(200);
  });

  it('caps the connections of one user', async () => {
    const [capped] = (await admin.orgWithUsers(['Capped'])).users;
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await connect(capped, `cap-${i}`));
    await expect(TestClient.connect(sys.url, capped.token, 'cap-4')).rejects.toThrow('RATE_LIMITED');
    // A closed connection frees its place.
    open[0].close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await connect(capped, 'cap-5')).connected).toBe(true);
  });

  it('closes a connection that sends a frame above the cap, and keeps one with the largest valid message', async () => {
    const device = await connect(victim, 'frames');
    const { conversation } = await device.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [flooder.id] });
    // 4000 characters that JSON-escape to 6 bytes each: the largest valid body on the wire (24 KB).
    const ack = await device.call('message.send', { conversationId: conversation.id, clientMsgId: 'big', body: '\u0001'.repeat(4000) });
    expect(ack.ok).toBe(true);
    const closed = new Promise((resolve) => device.socket.once('disconnect', resolve));
    device.socket.emit('message.send', { conversationId: conversation.id, clientMsgId: 'huge', body: 'x'.repeat(100 * 1024) });
    await closed;
    expect(device.connected).toBe(false);
  });

  it('refuses browsers from Origins outside the allow-list, and lets apps without Origin in', async () => {
    const attempt = (origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = io(sys.url, {
          auth: { token: victim.token },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          extraHeaders: origin ? { origin } : {},
        });
        socket.once('connect', () => (socket.close(), resolve('connected')));
        socket.once('connect_error', (err) => (socket.close(), resolve(`refused: ${err.message}`)));
      });
    expect(await attempt(ORIGIN)).toBe('connected');
    expect(await attempt()).toBe('connected');
    expect(await attempt('https://evil.example')).toMatch(/^refused/);
    const preflight = await fetch(`${sys.url}/v1/conversations`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await fetch(`${sys.url}/v1/conversations`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  // Last: these spend the per-IP budgets every other test shares (all clients are 127.0.0.1).
  it('limits connection attempts and admin calls per IP', async () => {
    const attempts = await Promise.all(Array.from({ length: 80 }, () => TestClient.connect(sys.url, 'not-a-token').then(() => 'connected', (err: Error) => err.message)));
    expect(attempts).toContain('RATE_LIMITED');
    expect(attempts.filter((a) => a !== 'RATE_LIMITED').every((a) => a === 'UNAUTHORIZED')).toBe(true);

    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(`${sys.url}/admin/shards`, { headers: { authorization: 'Bearer wrong-token-guessing' } })));
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(401);
    expect(statuses).toContain(429);
    expect(answers.find((a) => a.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
