import fc from 'fast-check';
import {
  ChatCommands,
  ChatNodeCommands,
  ChatNodeHeartbeat,
  ClientEvent,
  Conversation,
  ConversationChanged,
  DeviceSessionClosed,
  DeviceSessionOpened,
  DirectoryCommands,
  ERROR_CODES,
  HistoryCommands,
  GatewayHeartbeat,
  GatewaySnapshot,
  MessageCreated,
  PresenceChanged,
  PresenceCommands,
  Subjects,
  TypingChanged,
  TypingReported,
  UserDeactivated,
} from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { AdminFactory, connectTestBus, startTestSystem, TestClient, TestSystem } from '@parley/testing';

/** Property: whatever a client or a NATS peer sends, the answer is a contract envelope and nothing crashes. */
describe('arbitrary payloads at every socket event and NATS handler', () => {
  let sys: TestSystem;
  let client: TestClient;
  let bus: NatsBus;
  let conversationId: string;
  let anaId: string;

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 1 });
    const admin = new AdminFactory(sys.url, sys.adminToken);
    const { users } = await admin.orgWithUsers(['Ana', 'Ben']);
    anaId = users[0].id;
    client = await TestClient.connect(sys.url, users[0].token, 'fuzz');
    const { conversation } = await client.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [users[1].id] });
    conversationId = conversation.id;
    bus = await connectTestBus(sys.natsPrefix, 'fuzzer');
  });

  afterAll(async () => {
    client?.close();
    await bus?.close();
    await sys?.stop();
  });

  const payloads = () =>
    fc.oneof(
      fc.anything(),
      fc.record({ conversationId: fc.oneof(fc.string(), fc.constant('__conv__')), clientMsgId: fc.string(), body: fc.string({ maxLength: 5000 }) }, { requiredKeys: [] }),
      fc.record({ kind: fc.string(), memberIds: fc.array(fc.string()), title: fc.anything() }, { requiredKeys: [] }),
      fc.record({ conversationId: fc.constant('__conv__'), beforeSeq: fc.integer(), afterSeq: fc.integer(), limit: fc.integer() }, { requiredKeys: [] }),
      fc.record({ userIds: fc.oneof(fc.array(fc.string()), fc.anything()) }, { requiredKeys: [] }),
    );

  it('answers every acked socket event with {ok:true,data} or a contract error code', async () => {
    const events = Object.values(ClientEvent).filter((e) => e !== ClientEvent.Typing);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), payloads(), async (event, raw) => {
        const payload = JSON.parse(JSON.stringify(raw ?? null).replace(/__conv__/g, conversationId));
        const ack = await client.call(event, payload);
        if (ack.ok) expect(ack).toHaveProperty('data');
        else {
          expect(ERROR_CODES).toContain(ack.error.code);
          expect(ack.error.code).not.toBe('INTERNAL'); // bad input is the caller's error, never a server failure
        }
      }),
      { numRuns: 300 },
    );
    client.socket.emit('typing', { nonsense: true });
    client.socket.emit('no.such.event', 1, 2, 3);
    expect(client.connected).toBe(true);
    await expect(client.ok('conversation.list', {})).resolves.toBeDefined();
  });

  it('answers every NATS command handler with a contract envelope for arbitrary bytes and JSON', async () => {
    const contracts = [...Object.values(ChatCommands), ...Object.values(DirectoryCommands), ...Object.values(HistoryCommands), ...Object.values(PresenceCommands)];
    const decoder = new TextDecoder();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...contracts),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.anything().map((v) => new TextEncoder().encode(JSON.stringify(v ?? null)))),
        async (contract, bytes) => {
          const reply = await bus.connection.request(Subjects.command(sys.natsPrefix, contract), bytes, { timeout: 5000 });
          const body = JSON.parse(decoder.decode(reply.data));
          expect(typeof body.ok).toBe('boolean');
          if (!body.ok) expect(ERROR_CODES.filter((c) => c !== 'INTERNAL')).toContain(body.error.code);
        },
      ),
      { numRuns: 200 },
    );
    // Node-addressed commands: the gateway's chat node id is chat-0 in test systems.
    for (const contract of Object.values(ChatNodeCommands)) {
      const reply = await bus.connection.request(Subjects.command(sys.natsPrefix, contract, 'chat-0'), new TextEncoder().encode('{"actor":1}'), { timeout: 5000 });
      expect(JSON.parse(decoder.decode(reply.data))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    await expect(client.ok('history.fetch', { conversationId })).resolves.toBeDefined();
  });

  it('drops arbitrary event payloads on every event subject and keeps serving', async () => {
    const subjects = [
      MessageCreated,
      ConversationChanged,
      ChatNodeHeartbeat,
      UserDeactivated,
      DeviceSessionOpened,
      DeviceSessionClosed,
      GatewayHeartbeat,
      GatewaySnapshot,
      TypingReported,
      PresenceChanged,
      TypingChanged,
    ].map((contract) => Subjects.event(sys.natsPrefix, contract));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...subjects),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.anything().map((v) => new TextEncoder().encode(JSON.stringify(v ?? null)))),
        async (subject, bytes) => {
          bus.connection.publish(subject, bytes);
        },
      ),
      { numRuns: 300 },
    );
    await bus.flush();
    await expect(client.ok('message.send', { conversationId, clientMsgId: 'after-event-fuzz', body: 'still here' })).resolves.toBeDefined();
    await expect(client.ok('presence.subscribe', { userIds: [anaId] })).resolves.toMatchObject({ presences: [{ userId: anaId, status: 'online' }] });
    expect(client.connected).toBe(true);
  });
});
