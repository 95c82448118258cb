import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import {
  ChatNodeCommands,
  DeviceSessionOpened,
  DirectoryCommands,
  HistoryCommands,
  MessageCreated,
  PingCommands,
  PresenceChanged,
  presenceBucketName,
  ServiceName,
  Subjects,
} from '@parley/contracts';
import { PrivateNatsServer } from '@parley/testing';
import { ensureMessageStream, followStream, NatsBus, on, StreamReader } from '../src';

const CONFIG = join(__dirname, '../../../deploy/nats/nats-server.conf');
const PREFIX = 'parley';
const SERVICES = ['gateway', 'chat', 'history', 'presence', 'notification'] as const;
type Service = (typeof SERVICES)[number];
const password = (service: Service) => `${service}-test-secret`;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const message = { id: 'm_1', conversationId: 'c0_x', seq: 1, senderId: 'u_a', clientMsgId: 'k', body: 'hi', createdAt: new Date(0).toISOString() };

/** The shipped nats-server configuration, on a private server: each service can do its job and nothing else. */
describe('NATS users and permissions (deploy/nats/nats-server.conf)', () => {
  let server: PrivateNatsServer;
  const buses = {} as Record<Service, NatsBus>;
  const raw: NatsConnection[] = [];
  const violations: string[] = [];
  const readers: StreamReader[] = [];
  let forbiddenTried = 0;
  let forbiddenAllowed = 0;

  async function rawConnection(service: Service): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url, user: service, pass: password(service), name: `raw-${service}` });
    raw.push(nc);
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'error') violations.push(`${service}: ${String(status.data)}`);
    })();
    return nc;
  }

  /** A forbidden action: `happened` says whether it took effect anyway. */
  function forbidden(happened: boolean): void {
    forbiddenTried++;
    if (happened) forbiddenAllowed++;
    expect(happened).toBe(false);
  }

  beforeAll(async () => {
    server = await PrivateNatsServer.start({
      file: CONFIG,
      env: Object.fromEntries(SERVICES.map((s) => [`NATS_${s.toUpperCase()}_PASSWORD`, password(s)])),
    });
    for (const service of SERVICES) {
      buses[service] = await NatsBus.connect({ url: server.url, prefix: PREFIX, name: service, requestTimeoutMs: 1000, user: service, password: password(service) }, quiet);
    }
  });

  afterAll(async () => {
    console.log(`NATS permissions: forbidden actions tried = ${forbiddenTried}, allowed = ${forbiddenAllowed}`);
    await Promise.all(readers.map((r) => r.stop()));
    await Promise.all([...Object.values(buses).map((b) => b.close()), ...raw.map((nc) => nc.close())]);
    await server?.destroy();
  });

  it('lets every service do its job: commands, replies, pings, the message stream and its events', async () => {
    buses.chat.handle(DirectoryCommands.orgGet, ({ orgId }) => ({ id: orgId, name: 'Acme', createdAt: new Date(0).toISOString() }));
    buses.history.handle(HistoryCommands.shardStatus, () => ({ logicalShards: 1, shards: [] }));
    for (const service of [ServiceName.Chat, ServiceName.History, ServiceName.Presence, ServiceName.Notification] as const) {
      buses[service].handle(PingCommands[service], () => ({ service, nodeId: service, ready: true }));
    }
    const received: unknown[] = [];
    await ensureMessageStream(buses.chat);
    // The gateway's fan-out follows the stream; history and notification may consume it too.
    readers.push(await followStream(buses.gateway, [on(MessageCreated, (event) => void received.push(event))], quiet));
    readers.push(await followStream(buses.history, [on(MessageCreated, (event) => void received.push(event))], quiet));
    readers.push(await followStream(buses.notification, [on(MessageCreated, (event) => void received.push(event))], quiet));
    await Promise.all(Object.values(buses).map((b) => b.flush()));

    await expect(buses.gateway.request(DirectoryCommands.orgGet, { orgId: 'o1' })).resolves.toMatchObject({ id: 'o1' });
    await expect(buses.gateway.request(HistoryCommands.shardStatus, {})).resolves.toMatchObject({ logicalShards: 1 });
    for (const service of [ServiceName.Chat, ServiceName.History, ServiceName.Presence, ServiceName.Notification] as const) {
      await expect(buses.gateway.request(PingCommands[service], {})).resolves.toMatchObject({ service });
    }
    await buses.chat.publish(MessageCreated, { orgId: 'o1', message, memberIds: ['u_a'] }, { msgId: 'm_1' });
    for (let i = 0; i < 50 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(3);
    // Presence: gateways report sessions to it, it tells gateways, asks the directory, keeps its key-value bucket.
    const reports: unknown[] = [];
    const changes: unknown[] = [];
    buses.presence.subscribe(DeviceSessionOpened, (event) => void reports.push(event));
    buses.gateway.subscribe(PresenceChanged, (event) => void changes.push(event));
    buses.chat.handle(DirectoryCommands.userGet, ({ orgId, userId }) => ({ id: userId, orgId, displayName: 'A', createdAt: new Date(0).toISOString() }));
    await Promise.all(Object.values(buses).map((b) => b.flush()));
    await buses.gateway.publish(DeviceSessionOpened, { node: 'gateway-0', session: { userId: 'u_a', orgId: 'o1', deviceId: 'd', connectedAt: new Date(0).toISOString() } });
    await buses.presence.publish(PresenceChanged, { presence: { userId: 'u_a', status: 'online', lastSeenAt: null }, rev: 1 });
    await expect(buses.presence.request(DirectoryCommands.userGet, { orgId: 'o1', userId: 'u_a' })).resolves.toMatchObject({ id: 'u_a' });
    // The gateway checks its handshakes' users in batches.
    buses.chat.handle(DirectoryCommands.usersActive, ({ users }) => ({ activeUserIds: users.map((u) => u.userId) }));
    await buses.chat.flush();
    await expect(buses.gateway.request(DirectoryCommands.usersActive, { users: [{ orgId: 'o1', userId: 'u_a' }] })).resolves.toEqual({ activeUserIds: ['u_a'] });
    const kv = await buses.presence.jetstream().views.kv(presenceBucketName(PREFIX), { history: 1 });
    await kv.put('online.dQ', '{}');
    expect((await kv.get('online.dQ'))?.string()).toBe('{}');
    const watch = await kv.watch({ key: 'online.>' });
    for await (const entry of watch) {
      expect(entry.key).toBe('online.dQ');
      break;
    }
    await kv.delete('online.dQ');
    for (let i = 0; i < 50 && (reports.length < 1 || changes.length < 1); i++) await new Promise((r) => setTimeout(r, 50));
    expect([reports.length, changes.length]).toEqual([1, 1]);
  });

  it('refuses what a service has no business doing', async () => {
    const heard: string[] = [];
    const listener = await rawConnection('chat');
    listener.subscribe(`${PREFIX}.evt.>`, { callback: (_err, msg) => heard.push(msg.subject) });
    listener.subscribe(`${PREFIX}.cmd.chat.>`, { callback: (_err, msg) => heard.push(msg.subject) });
    await listener.flush();

    // The gateway forges a stored message, or a chat node's heartbeat.
    const gateway = await rawConnection('gateway');
    gateway.publish(Subjects.event(PREFIX, MessageCreated), new TextEncoder().encode('{}'));
    gateway.publish(`${PREFIX}.evt.chat.node.heartbeat`, new TextEncoder().encode('{}'));
    // Presence publishes live events only, never durable ones; history publishes no events and sends no commands.
    const presence = await rawConnection('presence');
    presence.publish(Subjects.event(PREFIX, MessageCreated), new TextEncoder().encode('{}'));
    const history = await rawConnection('history');
    history.publish(`${PREFIX}.evt.directory.user.deactivated`, new TextEncoder().encode('{}'));
    history.publish(Subjects.command(PREFIX, DirectoryCommands.userDeactivate), new TextEncoder().encode('{}'));
    await Promise.all([gateway.flush(), presence.flush(), history.flush()]);
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++) forbidden(heard.length > i);

    // Eavesdropping on another service's commands, or posing as a chat node.
    const subscriptionErrors: string[] = [];
    const eavesdropper = await rawConnection('presence');
    eavesdropper.subscribe(`${PREFIX}.cmd.chat.>`, { callback: (err) => err && subscriptionErrors.push(err.message) });
    const impostor = await rawConnection('history');
    impostor.subscribe(Subjects.command(PREFIX, ChatNodeCommands.messageSend, 'chat-0'), { callback: (err) => err && subscriptionErrors.push(err.message) });
    await Promise.all([eavesdropper.flush(), impostor.flush()]).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    forbidden(subscriptionErrors.length < 2);

    // The stream's management: only chat creates it, nobody deletes it.
    for (const service of ['gateway', 'presence', 'history'] as const) {
      const jsm = await (await rawConnection(service)).jetstreamManager({ timeout: 1000 }).catch(() => null);
      const deleted = jsm ? await jsm.streams.delete(Subjects.streamName(PREFIX)).then(() => true, () => false) : false;
      forbidden(deleted);
    }
    const stream = await (await buses.chat.connection.jetstreamManager()).streams.info(Subjects.streamName(PREFIX));
    expect(stream.state.messages).toBeGreaterThanOrEqual(1);

    // A wrong password or no credentials at all.
    for (const options of [{ user: 'gateway', pass: 'guess' }, {}, { user: 'admin', pass: 'admin' }]) {
      const connected = await connect({ servers: server.url, ...options, reconnect: false }).then(
        (nc) => (raw.push(nc), true),
        () => false,
      );
      forbidden(connected);
    }
    // The server said why, to each offender.
    for (const offender of ['gateway', 'presence', 'history']) expect(violations).toContain(`${offender}: PERMISSIONS_VIOLATION`);
  });
});
