import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { io } from 'socket.io-client';
import {
  ChatNodeCommands,
  ChatNodeHeartbeat,
  ConversationChanged,
  DeviceSessionClosed,
  DeviceSessionOpened,
  DirectoryCommands,
  HistoryCommands,
  PresenceCommands,
  SessionView,
  Message,
  MessageCreated,
  UserDeactivated,
  PingCommands,
  ServiceName,
} from '@parley/contracts';
import { ensureMessageStream, NatsBus } from '@parley/nats';
import { connectTestBus, eventually, ParleyHttp, removeTestStream, TEST_NATS_URL, TestClient, uniqueNatsPrefix } from '@parley/testing';
import { GatewayAppModule } from '../src/app.module';
import { TokenIssuer } from '../src/auth/token-issuer';
import { GatewayConfigSchema } from '../src/gateway.config';
import { configureHttp } from '../src/http/configure-http';
import { ChatNodeMembership } from '../src/routing/chat-node-membership';

const ORG = 'o1x1_AAAAAAAAAAAAAAAA';
const ALICE = 'u_alice';
const BOB = 'u_bob';
const CAROL = 'u_carol';

/** A chat node as the gateway sees one: a real NATS peer that heartbeats and serves message.send under its node id. */
class FakeChatNode {
  readonly served: string[] = [];
  private heartbeat?: NodeJS.Timeout;
  private seq = 0;

  private constructor(
    readonly nodeId: string,
    private readonly bus: NatsBus,
  ) {}

  static async start(prefix: string, nodeId: string): Promise<FakeChatNode> {
    const node = new FakeChatNode(nodeId, await connectTestBus(prefix, nodeId));
    node.bus.handle(
      ChatNodeCommands.messageSend,
      ({ actor, input }) => {
        node.served.push(input.conversationId);
        const message: Message = {
          id: `m_${input.clientMsgId}`,
          conversationId: input.conversationId,
          seq: ++node.seq,
          senderId: actor.userId,
          clientMsgId: input.clientMsgId,
          body: input.body,
          createdAt: new Date().toISOString(),
        };
        return { message };
      },
      { nodeId },
    );
    await node.bus.flush();
    node.beat();
    node.heartbeat = setInterval(() => node.beat(), 200);
    return node;
  }

  stopBeating(): void {
    clearInterval(this.heartbeat);
  }

  /** Vanishes without saying goodbye, like a killed process. */
  async crash(): Promise<void> {
    this.stopBeating();
    await this.bus.close();
  }

  private beat(): void {
    void this.bus.publish(ChatNodeHeartbeat, { nodeId: this.nodeId, startedAt: new Date().toISOString() });
  }
}


describe('gateway on real NATS', () => {
  const prefix = uniqueNatsPrefix();
  const config = GatewayConfigSchema.parse({
    NODE_ENV: 'test',
    NATS_URL: TEST_NATS_URL,
    NATS_PREFIX: prefix,
    NODE_ID: 'gateway-test',
    CHAT_NODE_TTL_MS: '1000',
  });
  let app: INestApplication;
  let url: string;
  let peer: NatsBus;
  let admin: ParleyHttp;
  let tokens: TokenIssuer;
  const nodes: FakeChatNode[] = [];
  const clients: TestClient[] = [];
  const deactivated: string[] = [];

  const tokenOf = (userId: string) => tokens.issue({ userId, orgId: ORG }).token;
  async function connect(userId: string, deviceId?: string): Promise<TestClient> {
    const client = await TestClient.connect(url, tokenOf(userId), deviceId);
    clients.push(client);
    return client;
  }
  async function startNode(nodeId: string): Promise<FakeChatNode> {
    const node = await FakeChatNode.start(prefix, nodeId);
    nodes.push(node);
    await eventually(() => app.get(ChatNodeMembership).nodes.includes(nodeId));
    return node;
  }
  function connectError(auth: Record<string, unknown>): Promise<{ message: string; data?: unknown }> {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => (socket.close(), reject(new Error('connected'))));
      socket.once('connect_error', (err) => (socket.close(), resolve(err as Error & { data?: unknown })));
    });
  }

  beforeAll(async () => {
    peer = await connectTestBus(prefix, 'test-peer');
    await ensureMessageStream(peer);
    // The other services, as far as the gateway can tell: real responders on the same NATS.
    for (const service of [ServiceName.Chat, ServiceName.History, ServiceName.Presence, ServiceName.Notification]) {
      peer.handle(PingCommands[service], () => ({ service, nodeId: `${service}-test`, ready: true }));
    }
    peer.handle(HistoryCommands.shardStatus, () => ({ logicalShards: 8, shards: [{ id: 'shard-0', logicalShards: [0, 1], reachable: true }] }));
    peer.handle(HistoryCommands.messagesFetch, ({ input }) => ({ messages: [], hasMore: input.limit === 1 }));
    peer.handle(DirectoryCommands.userGet, ({ orgId, userId }) => ({ id: userId, orgId, displayName: userId, createdAt: new Date().toISOString() }));
    peer.handle(DirectoryCommands.usersActive, ({ users }) => ({ activeUserIds: users.map((u) => u.userId) }));
    peer.handle(DirectoryCommands.userDeactivate, ({ userId }) => (deactivated.push(userId), {}));
    // The presence service as far as sessions go: what the gateway reports is what the admin API lists.
    const sessions = new Map<string, SessionView>();
    peer.subscribe(DeviceSessionOpened, ({ node, session }) => {
      sessions.set(`${node}/${session.userId}/${session.deviceId}`, { userId: session.userId, deviceId: session.deviceId, connectedAt: session.connectedAt, node });
    });
    peer.subscribe(DeviceSessionClosed, ({ node, userId, deviceId }) => void sessions.delete(`${node}/${userId}/${deviceId}`));
    peer.handle(PresenceCommands.sessions, ({ userId }) => ({ sessions: [...sessions.values()].filter((s) => s.userId === userId) }));
    await peer.flush();

    app = await NestFactory.create(GatewayAppModule.forRoot(config), { logger: false });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    tokens = app.get(TokenIssuer);
    admin = new ParleyHttp(url, config.ADMIN_TOKEN);
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(nodes.map((n) => n.crash()));
    await app?.close();
    await peer?.close();
    await removeTestStream(prefix).catch(() => undefined);
  });

  describe('handshake', () => {
    it('refuses bad, missing and foreign tokens with connect_error UNAUTHORIZED', async () => {
      expect((await connectError({ token: 'not-a-jwt' })).message).toBe('UNAUTHORIZED');
      expect((await connectError({})).message).toBe('UNAUTHORIZED');
      const foreign = new TokenIssuer({ ...config, JWT_SECRET: 'some-other-deployment-secret' }).issue({ userId: ALICE, orgId: ORG }).token;
      expect((await connectError({ token: foreign })).message).toBe('UNAUTHORIZED');
    });

    it('refuses a deviceId over 64 characters with BAD_REQUEST', async () => {
      expect((await connectError({ token: tokenOf(ALICE), deviceId: 'x'.repeat(65) })).message).toBe('BAD_REQUEST');
      expect((await connectError({ token: tokenOf(ALICE), deviceId: 42 })).message).toBe('BAD_REQUEST');
    });
  });

  describe('message.send', () => {
    let nodeA: FakeChatNode;
    beforeAll(async () => {
      nodeA = await startNode('chat-a');
    });

    it('is routed to the owning chat node and acked with the stored message', async () => {
      const alice = await connect(ALICE, 'phone');
      const ack = await alice.call<{ message: Message }>('message.send', { conversationId: 'c1_conversation-1', clientMsgId: 'k1', body: 'hello' });
      expect(ack).toEqual({ ok: true, data: { message: expect.objectContaining({ senderId: ALICE, body: 'hello', clientMsgId: 'k1' }) } });
      expect(nodeA.served).toContain('c1_conversation-1');
    });

    it('answers bad payloads with contract codes and keeps the socket open', async () => {
      const alice = await connect(ALICE);
      const send = { conversationId: 'c1_conversation-1', clientMsgId: 'k2', body: 'hi' };
      const codeOf = async (payload: unknown) => {
        const ack = await alice.call('message.send', payload);
        return ack.ok ? 'OK' : ack.error.code;
      };
      for (const junk of ['a string', 42, null, undefined, [], {}, { conversationId: 'c1' }, { ...send, body: '' }, { ...send, extra: true }]) {
        expect(await codeOf(junk)).toBe('BAD_REQUEST');
      }
      expect(await codeOf({ ...send, body: 'x'.repeat(5000) })).toBe('PAYLOAD_TOO_LARGE');
      // Extra arguments, and events without an ack callback, are not a crash either.
      const extra = await alice.socket.timeout(5000).emitWithAck('message.send', send, 'surplus');
      expect(extra).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      alice.socket.emit('message.send', 'no ack wanted');
      alice.socket.emit('no.such.event', { whatever: 1 });
      expect(await codeOf(send)).toBe('OK');
      expect(alice.connected).toBe(true);
    });

    it('answers presence.subscribe with UNAVAILABLE while no presence service answers, and takes typing without an ack', async () => {
      const alice = await connect(ALICE);
      expect(await alice.call('presence.subscribe', { userIds: [BOB] })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(await alice.call('presence.unsubscribe', { userIds: [BOB] })).toEqual({ ok: true, data: {} });
      alice.socket.emit('typing', { conversationId: 'c1', typing: true });
      expect(await alice.call('conversation.list', 'not an object')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(alice.connected).toBe(true);
    });
  });

  describe('fan-out', () => {
    it('delivers message.new to every device of every member and to no one else', async () => {
      const [bobPhone, bobLaptop, carol] = await Promise.all([connect(BOB, 'phone'), connect(BOB, 'laptop'), connect(CAROL, 'phone')]);
      const message: Message = {
        id: 'm_fanout',
        conversationId: 'c1_fanout',
        seq: 1,
        senderId: ALICE,
        clientMsgId: 'f1',
        body: 'to bob',
        createdAt: new Date().toISOString(),
      };
      await peer.publish(MessageCreated, { orgId: ORG, message, memberIds: [ALICE, BOB] }, { msgId: message.id });
      const isIt = (p: { message: Message }) => p.message.id === 'm_fanout';
      await expect(bobPhone.waitFor('message.new', isIt)).resolves.toEqual({ message });
      await expect(bobLaptop.waitFor('message.new', isIt)).resolves.toEqual({ message });
      await new Promise((r) => setTimeout(r, 300));
      expect(carol.events('message.new')).toEqual([]);
    });

    it('sends conversation.updated with each member own cursors, removed members included', async () => {
      const [bob, carol] = await Promise.all([connect(BOB), connect(CAROL)]);
      const conversation = { id: 'c1_changed', orgId: ORG, kind: 'group' as const, memberIds: [ALICE, BOB], lastSeq: 7 };
      await peer.publish(ConversationChanged, {
        conversation,
        viewerState: { [BOB]: { readSeq: 5, deliveredSeq: 6, unread: 2 } },
        removedIds: [CAROL],
      });
      const isIt = (p: { conversation: { id: string } }) => p.conversation.id === 'c1_changed';
      await expect(bob.waitFor('conversation.updated', isIt)).resolves.toEqual({
        conversation: { ...conversation, readSeq: 5, deliveredSeq: 6, unread: 2 },
      });
      await expect(carol.waitFor('conversation.updated', isIt)).resolves.toEqual({
        conversation: { ...conversation, readSeq: 0, deliveredSeq: 0, unread: 0 },
      });
    });
    it('closes the sockets of a user another gateway deactivated', async () => {
      const dave = 'u_dave_deactivated';
      const device = await connect(dave, 'phone');
      const closed = new Promise((resolve) => device.socket.once('disconnect', resolve));
      await peer.publish(UserDeactivated, { orgId: ORG, userId: dave }, { msgId: `deactivated-${dave}` });
      await closed;
      expect(device.connected).toBe(false);
    });
  });

  describe('chat node failover', () => {
    const conversations = Array.from({ length: 12 }, (_, i) => `c1_failover-${i}`);

    it('moves sends to a new node when the owner stops heartbeating', async () => {
      const alice = await connect(ALICE);
      const [old] = nodes;
      old.stopBeating();
      const fresh = await startNode('chat-b');
      await eventually(() => !app.get(ChatNodeMembership).nodes.includes(old.nodeId));
      const ring = await admin.call('GET', `/admin/chat/nodes?conversationId=${conversations[0]}`);
      expect(ring).toEqual({ status: 200, body: { nodes: ['chat-b'], owner: 'chat-b' } });
      const servedBefore = old.served.length;
      for (const [i, conversationId] of conversations.entries()) {
        expect(await alice.call('message.send', { conversationId, clientMsgId: `fo-${i}`, body: 'x' })).toMatchObject({ ok: true });
      }
      expect(old.served.length).toBe(servedBefore);
      expect(fresh.served).toEqual(expect.arrayContaining(conversations));
    });

    it('retries on the next owner at once when the owner vanished, before its TTL runs out', async () => {
      const alice = await connect(ALICE);
      const doomed = nodes[1];
      const survivor = await startNode('chat-c');
      // Both are in the ring; find conversations the doomed node owns, then kill it.
      const membership = app.get(ChatNodeMembership);
      const owned = Array.from({ length: 200 }, (_, i) => `c1_owned-${i}`).filter((id) => membership.owner(id) === doomed.nodeId).slice(0, 5);
      expect(owned.length).toBeGreaterThan(0);
      await doomed.crash();
      const started = Date.now();
      for (const conversationId of owned) {
        expect(await alice.call('message.send', { conversationId, clientMsgId: `v-${conversationId}`, body: 'x' })).toMatchObject({ ok: true });
      }
      expect(Date.now() - started).toBeLessThan(config.CHAT_NODE_TTL_MS);
      expect(survivor.served).toEqual(expect.arrayContaining(owned));
    });
  });

  describe('REST', () => {
    it('guards admin routes with the admin token', async () => {
      const wrong = await admin.call('GET', '/admin/shards', undefined, 'wrong-token');
      expect(wrong).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } } });
      expect((await admin.call('GET', '/admin/shards', undefined, '')).status).toBe(401);
      expect(await admin.call('GET', '/admin/shards')).toMatchObject({ status: 200, body: { shards: [{ id: 'shard-0', reachable: true }] } });
    });

    it('issues tokens that open a socket, and deactivation closes the user sockets', async () => {
      const issued = await admin.call<{ token: string; expiresAt: string }>('POST', `/admin/orgs/${ORG}/users/u_dave/tokens`, { ttlSeconds: 60 });
      expect(issued.status).toBe(201);
      const dave = await TestClient.connect(url, issued.body.token, 'tablet');
      clients.push(dave);
      // The session is reported to presence by an event: the admin view follows the connect, not with it.
      let sessions: unknown[] = [];
      await eventually(async () => {
        sessions = (await admin.call<{ sessions: unknown[] }>('GET', '/admin/sessions?userId=u_dave')).body.sessions;
        return sessions.length > 0;
      }, 'the session in the admin view');
      expect(sessions).toEqual([{ userId: 'u_dave', deviceId: 'tablet', connectedAt: expect.any(String), node: 'gateway-test' }]);
      const closed = new Promise((resolve) => dave.socket.once('disconnect', resolve));
      expect((await admin.call('DELETE', `/admin/orgs/${ORG}/users/u_dave`)).status).toBe(204);
      await closed;
      expect(deactivated).toEqual(['u_dave']);
      await eventually(
        async () => (await admin.call<{ sessions: unknown[] }>('GET', '/admin/sessions?userId=u_dave')).body.sessions.length === 0,
        'the session gone from the admin view',
      );
    });

    it('answers bad bodies, bad params and unknown routes in the error shape', async () => {
      const bad = await admin.call('POST', `/admin/orgs/${ORG}/users/u_dave/tokens`, { ttlSeconds: 'soon' });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      const malformed = await admin.call('POST', '/admin/orgs', '{"name": ');
      expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      expect(await admin.call('GET', '/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      for (const seq of ['0', 'abc', '-1', '1e3', '9'.repeat(20)]) {
        expect(await admin.call('DELETE', `/admin/conversations/c1_x/messages/${seq}`)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      }
    });

    it('serves client reads with the user token, coercing query integers into the socket schema', async () => {
      const user = new ParleyHttp(url, tokenOf(ALICE));
      expect(await user.call('GET', '/v1/conversations/c1_x/messages?limit=1&afterSeq=0')).toEqual({ status: 200, body: { messages: [], hasMore: true } });
      expect(await user.call('GET', '/v1/conversations/c1_x/messages?limit=abc')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      expect(await user.call('GET', '/v1/conversations/c1_x/messages?limit=500')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
      expect((await user.call('GET', '/v1/conversations/c1_x/messages', undefined, config.ADMIN_TOKEN)).status).toBe(401);
    });

    it('serves OpenAPI and is ready when every service and shard answers', async () => {
      const docs = await admin.call<{ paths: Record<string, unknown> }>('GET', '/docs-json');
      expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/admin/orgs', '/v1/conversations/{conversationId}/messages']));
      expect(await admin.call('GET', '/health/ready')).toMatchObject({ status: 200, body: { checks: { services: true, shards: true, nats: true } } });
    });
  });
});
