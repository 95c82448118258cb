import type { Message } from '@parley/contracts';
import { AdminFactory, freePort, startTestSystem, TestSystem } from '@parley/testing';
import { checkChaos, ClientRecord, SendRecord } from './chaos-checker';
import { fullHistory, SdkDevice, sdkDevice, seeded, sleep, until } from './sdk-harness';

const SEED = Number(process.env.CHAOS_SEED ?? 20261121);
const USERS = 4;
/** Conversation → indexes of its member users. */
const CONVERSATIONS = [
  [0, 1, 2],
  [1, 2, 3],
  [0, 2, 3],
  [0, 1, 3],
];
/** Devices per user: two users have two devices each. */
const DEVICES_PER_USER = [2, 1, 2, 1];
const SENDS_PER_CLIENT = 200;
/** Sends are spread over this long, so the nemesis strikes while they are under way. */
const SEND_SPAN_MS = 10_000;

/**
 * Several SDK clients in several conversations send 1,200 messages through two gateways
 * while a seeded nemesis cuts their connections at random moments and kills (SIGKILL) and
 * restarts a gateway. Then the checker compares every client's view with the stored history.
 */
describe('chaos: SDK clients under dropped connections and a gateway restart', () => {
  let sys: TestSystem;
  const clients: Array<{ close(): unknown }> = [];

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sys?.stop();
  });

  it('loses nothing, stores nothing twice, and every device sees exactly the history', async () => {
    sys = await startTestSystem({ chatNodes: 1, gateways: 2 });
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const gateways = sys.system.gatewayUrls;
    const admin = new AdminFactory(sys.url, sys.adminToken);
    const { users } = await admin.orgWithUsers(Array.from({ length: USERS }, (_, i) => `User ${i}`));
    const random = seeded(SEED);

    const devices: Array<SdkDevice & { record: ClientRecord; userIndex: number; rng: () => number }> = [];
    for (const [userIndex, count] of DEVICES_PER_USER.entries()) {
      for (let d = 0; d < count; d++) {
        const rng = seeded(SEED + devices.length + 1);
        const device = sdkDevice(
          {
            url: gateways[0],
            token: users[userIndex].token,
            deviceId: `chaos-u${userIndex}-d${d}`,
            backoff: { baseMs: 50, maxMs: 1000 },
            requestTimeoutMs: 3000,
            random: rng,
          },
          deadUrl,
          // Like a load balancer: each connection attempt goes to the next gateway.
          d % 2 === 0 ? gateways : [...gateways].reverse(),
        );
        const record: ClientRecord = { name: `u${userIndex}/d${d}`, conversationIds: [], sends: new Map(), received: device.received, pending: 0 };
        devices.push({ ...device, record, userIndex, rng });
        clients.push(device.client);
      }
    }
    await Promise.all(devices.map((d) => d.client.connect()));
    const conversationIds: string[] = [];
    for (const members of CONVERSATIONS) {
      const creator = devices.find((d) => d.userIndex === members[0])!;
      const others = members.slice(1).map((i) => users[i].id);
      conversationIds.push((await creator.client.createConversation({ kind: 'group', memberIds: others, title: 'chaos' })).id);
    }
    for (const d of devices) d.record.conversationIds = conversationIds.filter((_, i) => CONVERSATIONS[i].includes(d.userIndex));

    let drops = 0;
    let restarts = 0;
    let onRestartedGateway = 0;
    let reconnects = 0;
    devices.forEach((d) => d.client.on('state', (s) => (reconnects += s === 'syncing' ? 1 : 0)));
    const started = Date.now();

    const sender = async (d: (typeof devices)[number]) => {
      const acks: Array<Promise<unknown>> = [];
      for (let i = 0; i < SENDS_PER_CLIENT; i++) {
        const conversationId = d.record.conversationIds[Math.floor(d.rng() * d.record.conversationIds.length)];
        const clientMsgId = `${d.record.name}-${i}`;
        const entry: SendRecord = { conversationId };
        d.record.sends.set(clientMsgId, entry);
        acks.push(
          d.client.send(conversationId, `message ${i} from ${d.record.name}`, { clientMsgId }).then(
            (m: Message) => (entry.acked = m),
            (err: Error) => (entry.error = err.message),
          ),
        );
        await sleep(d.rng() * ((2 * SEND_SPAN_MS) / SENDS_PER_CLIENT));
      }
      await Promise.all(acks);
    };

    const nemesis = async () => {
      const restartAt = started + SEND_SPAN_MS * (0.3 + 0.2 * random());
      let restarted = false;
      while (Date.now() - started < SEND_SPAN_MS) {
        await sleep(50 + random() * 300);
        const victim = devices[Math.floor(random() * devices.length)];
        if (victim.network.cut()) drops++;
        if (!restarted && Date.now() >= restartAt) {
          restarted = true;
          // The gateway serving more clients right now (the launcher names them gateway, gateway-1).
          const served = gateways.map((url) => devices.filter((d) => d.network.connectedTo === url).length);
          const index = served[1] > served[0] ? 1 : 0;
          const gateway = sys.system.service(index === 0 ? 'gateway' : 'gateway-1');
          onRestartedGateway = served[index];
          await gateway.stop('SIGKILL');
          restarts++;
          gateway.start();
        }
      }
    };

    await Promise.all([...devices.map(sender), nemesis()]);
    await sys.system.waitReady();
    const sendsDoneMs = Date.now() - started;

    const emitted = (event: string) => devices.reduce((n, d) => n + (d.network.emitted.get(event) ?? 0), 0);
    const gapFills = emitted('history.fetch'); // before the checker's own reads below
    const histories = new Map<string, Message[]>();
    for (const id of conversationIds) histories.set(id, await fullHistory(devices.find((d) => d.record.conversationIds.includes(id))!.client, id));
    await until(
      () => devices.every((d) => d.record.conversationIds.every((id) => (d.client.cursor(id) ?? 0) >= histories.get(id)!.length)),
      'every device caught up',
      20_000,
    ).catch(() => undefined); // the checker below says what is missing
    for (const d of devices) d.record.pending = d.client.pendingSends().length;

    const figures = checkChaos(
      histories,
      devices.map((d) => d.record),
      (record) => users[devices.find((d) => d.record === record)!.userIndex].id,
    );
    const { problems, ...counts } = figures;
    console.log(
      `chaos (seed ${SEED}): ${JSON.stringify({ ...counts, sendAttempts: emitted('message.send'),
        syncCalls: emitted('sync'),
        gapFills,
        socketDrops: drops,
        gatewayRestarts: restarts,
        clientsOnRestartedGateway: onRestartedGateway,
        reconnects, sendPhaseMs: sendsDoneMs, totalMs: Date.now() - started })}` +
        (problems.length > 0 ? `\n${problems.join('\n')}` : ''),
    );
    devices.forEach((d) => d.client.close());

    expect(problems).toEqual([]);
    expect(figures.sent).toBe(devices.length * SENDS_PER_CLIENT);
    expect(figures.sent).toBeGreaterThanOrEqual(1000);
    expect(figures).toMatchObject({ acked: figures.sent, stored: figures.sent, failed: 0, duplicates: 0, gaps: 0, divergentDevices: 0, undrainedOutboxes: 0 });
    expect(restarts).toBe(1);
    expect(onRestartedGateway).toBeGreaterThan(0);
    expect(drops).toBeGreaterThan(10);
  }, 120_000);
});
