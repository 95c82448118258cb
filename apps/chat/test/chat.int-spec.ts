import { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import {
  Actor,
  ChatCommands,
  ChatNodeCommands,
  ChatNodeHeartbeat,
  ConversationChanged,
  DirectoryCommands,
  ErrorCode,
  MessageCreated,
  PayloadOf,
  Subjects,
  User,
} from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { MessageRow, ShardedDatabase, toMessage } from '@parley/store';
import { connectTestBus, createTestDatabases, removeTestStream, TestDatabases, uniqueNatsPrefix } from '@parley/testing';
import { startChatNode } from './chat-node';

const NODE_A = 'node-a';
const NODE_B = 'node-b';

describe('chat service on real Postgres and NATS', () => {
  const prefix = uniqueNatsPrefix();
  let databases: TestDatabases;
  let nodes: INestApplicationContext[] = [];
  let bus: NatsBus;
  let db: ShardedDatabase;
  const created: Array<PayloadOf<typeof MessageCreated>> = [];
  const changes: Array<PayloadOf<typeof ConversationChanged>> = [];
  const heartbeats: Array<PayloadOf<typeof ChatNodeHeartbeat>> = [];

  const boot = (nodeId: string) => startChatNode(nodeId, { prefix, databaseEnv: databases.env });
  const actorOf = (user: User): Actor => ({ userId: user.id, orgId: user.orgId, deviceId: 'device-1' });
  const newOrg = (name = 'Acme') => bus.request(DirectoryCommands.orgCreate, { name });
  const newUser = (orgId: string, displayName = 'someone') => bus.request(DirectoryCommands.userCreate, { orgId, displayName });
  const createGroup = (creator: User, members: User[], title?: string) =>
    bus.request(ChatCommands.conversationCreate, { actor: actorOf(creator), input: { kind: 'group', memberIds: members.map((m) => m.id), title } });
  const createDirect = (creator: User, memberIds: string[]) =>
    bus.request(ChatCommands.conversationCreate, { actor: actorOf(creator), input: { kind: 'direct', memberIds } });
  const addMembers = (nodeId: string, actor: User, conversationId: string, userIds: string[]) =>
    bus.request(ChatNodeCommands.membersAdd, { actor: actorOf(actor), input: { conversationId, userIds } }, { nodeId });
  const send = (nodeId: string, sender: User, conversationId: string, clientMsgId: string, body = `hello ${clientMsgId}`) =>
    bus.request(ChatNodeCommands.messageSend, { actor: actorOf(sender), input: { conversationId, clientMsgId, body } }, { nodeId });
  const codeOf = (promise: Promise<unknown>) => promise.then(() => 'OK', (err: { code?: string }) => err.code);
  const sql = async (conversationId: string, query: string) => (await db.forConversation(conversationId)!.query(query, [conversationId]))[0];
  const eventually = async (check: () => void | Promise<void>, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await check();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  // The test bus validates every event it receives against its contract schema and
  // drops invalid ones, so the counts below also check the emitted payload shapes.
  beforeAll(async () => {
    databases = await createTestDatabases({ physicalShards: 2, logicalShards: 8 });
    bus = await connectTestBus(prefix);
    bus.subscribe(MessageCreated, (e) => void created.push(e));
    bus.subscribe(ConversationChanged, (e) => void changes.push(e));
    bus.subscribe(ChatNodeHeartbeat, (e) => void heartbeats.push(e));
    await bus.flush();
    nodes = [await boot(NODE_A), await boot(NODE_B)];
    db = nodes[0].get(ShardedDatabase);
  });

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await bus?.close();
    await removeTestStream(prefix);
    await databases?.drop();
  });

  describe('directory', () => {
    it('creates and reads orgs and users, in the contract shapes', async () => {
      const org = await newOrg('Initech');
      expect(org).toEqual({ id: expect.any(String), name: 'Initech', createdAt: expect.any(String), shardSpread: 1 });
      expect(new Date(org.createdAt).toISOString()).toBe(org.createdAt);
      await expect(bus.request(DirectoryCommands.orgGet, { orgId: org.id })).resolves.toEqual(org);

      const [ann, bo] = [await newUser(org.id, 'Ann'), await newUser(org.id, 'Bo')];
      expect(ann).toEqual({ id: expect.any(String), orgId: org.id, displayName: 'Ann', createdAt: expect.any(String) });
      await expect(bus.request(DirectoryCommands.userGet, { orgId: org.id, userId: bo.id })).resolves.toEqual(bo);
      await expect(bus.request(DirectoryCommands.userList, { orgId: org.id })).resolves.toEqual({ users: [ann, bo] });

      await expect(bus.request(DirectoryCommands.userDeactivate, { orgId: org.id, userId: bo.id })).resolves.toEqual({});
      const deactivated = await bus.request(DirectoryCommands.userGet, { orgId: org.id, userId: bo.id });
      expect(deactivated.deactivatedAt).toEqual(expect.any(String));
    });

    it('answers NOT_FOUND for unknown orgs and users, and for a user asked under another org', async () => {
      const [org, other] = [await newOrg(), await newOrg()];
      const user = await newUser(org.id);
      expect(await codeOf(bus.request(DirectoryCommands.orgGet, { orgId: 'o1x1_nope' }))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(newUser('o1x1_nope'))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(bus.request(DirectoryCommands.userGet, { orgId: other.id, userId: user.id }))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(bus.request(DirectoryCommands.userList, { orgId: 'o1x1_nope' }))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(bus.request(DirectoryCommands.userDeactivate, { orgId: other.id, userId: user.id }))).toBe(ErrorCode.NOT_FOUND);
    });

    it('answers in one request which users are active in the org given with them', async () => {
      const [org, other] = [await newOrg(), await newOrg()];
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(other.id)];
      await bus.request(DirectoryCommands.userDeactivate, { orgId: org.id, userId: bo.id });
      const users = [ann, bo, { id: cy.id, orgId: org.id }, { id: 'u_nobody', orgId: org.id }, cy].map((u) => ({ orgId: u.orgId, userId: u.id }));
      await expect(bus.request(DirectoryCommands.usersActive, { users })).resolves.toEqual({ activeUserIds: [ann.id, cy.id] });
      expect(await codeOf(bus.request(DirectoryCommands.usersActive, { users: [] }))).toBe(ErrorCode.BAD_REQUEST);
    });
  });

  describe('conversation.create', () => {
    it('creates a direct conversation once per pair, from either side, and announces it once', async () => {
      const org = await newOrg();
      const [ann, bo] = [await newUser(org.id), await newUser(org.id)];
      const first = await createDirect(ann, [bo.id]);
      const again = await createDirect(bo, [ann.id, bo.id]);
      expect(again.conversation.id).toBe(first.conversation.id);
      expect(first.conversation).toEqual({
        id: expect.any(String),
        orgId: org.id,
        kind: 'direct',
        memberIds: expect.arrayContaining([ann.id, bo.id]),
        lastSeq: 0,
        readSeq: 0,
        deliveredSeq: 0,
        unread: 0,
      });
      await eventually(() => expect(changes.filter((c) => c.conversation.id === first.conversation.id)).toHaveLength(1));
      const [change] = changes.filter((c) => c.conversation.id === first.conversation.id);
      expect(Object.keys(change.viewerState).sort()).toEqual([ann.id, bo.id].sort());
      expect(change.removedIds).toEqual([]);
    });

    it('agrees on one direct conversation under concurrent creates', async () => {
      const org = await newOrg();
      const [ann, bo] = [await newUser(org.id), await newUser(org.id)];
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? createDirect(ann, [bo.id]) : createDirect(bo, [ann.id]))),
      );
      expect(new Set(replies.map((r) => r.conversation.id)).size).toBe(1);
    });

    it('refuses direct conversations without exactly one other user', async () => {
      const org = await newOrg();
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(org.id)];
      expect(await codeOf(createDirect(ann, [ann.id]))).toBe(ErrorCode.BAD_REQUEST);
      expect(await codeOf(createDirect(ann, [bo.id, cy.id]))).toBe(ErrorCode.BAD_REQUEST);
    });

    it('creates a group of the creator and the members, with its title', async () => {
      const org = await newOrg();
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(org.id)];
      const { conversation } = await createGroup(ann, [bo, cy, bo], 'Launch');
      expect(conversation).toMatchObject({ orgId: org.id, kind: 'group', title: 'Launch', lastSeq: 0, unread: 0 });
      expect([...conversation.memberIds].sort()).toEqual([ann.id, bo.id, cy.id].sort());
      expect(db.forConversation(conversation.id)).not.toBeNull();
    });

    it('refuses members of another org (FORBIDDEN), unknown or deactivated users (NOT_FOUND) and over 1000 members', async () => {
      const [org, other] = [await newOrg(), await newOrg()];
      const [ann, gone] = [await newUser(org.id), await newUser(org.id)];
      const outsider = await newUser(other.id);
      await bus.request(DirectoryCommands.userDeactivate, { orgId: org.id, userId: gone.id });
      expect(await codeOf(createGroup(ann, [outsider]))).toBe(ErrorCode.FORBIDDEN);
      expect(await codeOf(createDirect(ann, [outsider.id]))).toBe(ErrorCode.FORBIDDEN);
      expect(await codeOf(createGroup(ann, [{ ...ann, id: 'u_unknown' }]))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(createGroup(ann, [gone]))).toBe(ErrorCode.NOT_FOUND);
      const crowd = Array.from({ length: 1000 }, (_, i) => ({ ...ann, id: `u_crowd_${i}` }));
      expect(await codeOf(createGroup(ann, crowd))).toBe(ErrorCode.BAD_REQUEST);
    });
  });

  describe('message.send', () => {
    let org: string;
    let ann: User;
    let bo: User;
    beforeAll(async () => {
      org = (await newOrg()).id;
      [ann, bo] = [await newUser(org, 'Ann'), await newUser(org, 'Bo')];
    });

    it('assigns seqs 1..60 without gaps to 60 concurrent sends from two users, and publishes them in seq order', async () => {
      const { conversation } = await createGroup(ann, [bo]);
      const sends = Array.from({ length: 60 }, (_, i) => send(NODE_A, i % 2 ? bo : ann, conversation.id, `c-${i}`));
      const messages = await Promise.all(sends);
      expect(messages.map((m) => m.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      for (const sender of [ann, bo]) {
        const own = messages.map((m) => m.message).filter((m) => m.senderId === sender.id);
        expect(own.map((m) => m.seq)).toEqual([...own.map((m) => m.seq)].sort((a, b) => a - b)); // in the order sent
      }
      const stored = await sql(
        conversation.id,
        `SELECT count(*)::int AS n, max(seq)::int AS top, (SELECT last_seq::int FROM conversations WHERE id = $1) AS last
           FROM messages WHERE conversation_id = $1`,
      );
      expect(stored).toEqual({ n: 60, top: 60, last: 60 });
      await eventually(() => expect(created.filter((e) => e.message.conversationId === conversation.id)).toHaveLength(60));
      const events = created.filter((e) => e.message.conversationId === conversation.id);
      expect(events.map((e) => e.message.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(events[0]).toMatchObject({ orgId: org, memberIds: expect.arrayContaining([ann.id, bo.id]) });
      expect(events[0].message).not.toHaveProperty('redacted');
    });

    it('acks each message as stored (the commit time as createdAt) and moves the conversation activity to it', async () => {
      const { conversation } = await createGroup(ann, [bo]);
      const acks = await Promise.all(Array.from({ length: 5 }, (_, i) => send(NODE_A, i % 2 ? bo : ann, conversation.id, `as-stored-${i}`)));
      const rows: Array<Record<string, unknown>> = await db.forConversation(conversation.id)!.query(
        `SELECT id, conversation_id, seq, sender_id, client_msg_id, body, created_at, redacted_at FROM messages WHERE conversation_id = $1 ORDER BY seq`,
        [conversation.id],
      );
      expect(acks.map((a) => a.message).sort((a, b) => a.seq - b.seq)).toEqual(rows.map((r) => toMessage(r as unknown as MessageRow)));
      const activity = await sql(conversation.id, `SELECT last_activity_at, last_seq::int AS last FROM conversations WHERE id = $1`);
      expect(activity.last).toBe(5);
      expect(activity.last_activity_at).toEqual(rows[4].created_at);
    });

    it('returns the same stored message for a retried clientMsgId: from memory, after 35 newer messages, and on a cold node', async () => {
      const { conversation } = await createGroup(ann, [bo]);
      const { message } = await send(NODE_A, ann, conversation.id, 'retry-me', 'first body');
      await expect(send(NODE_A, ann, conversation.id, 'retry-me', 'second body')).resolves.toEqual({ message });
      for (let i = 0; i < 35; i++) await send(NODE_A, bo, conversation.id, `filler-${i}`);
      await expect(send(NODE_A, ann, conversation.id, 'retry-me')).resolves.toEqual({ message });
      await expect(send(NODE_B, ann, conversation.id, 'retry-me')).resolves.toEqual({ message });
      const stored = await sql(
        conversation.id,
        `SELECT count(*)::int AS n, max(seq)::int AS top, count(*) FILTER (WHERE client_msg_id = 'retry-me')::int AS copies
           FROM messages WHERE conversation_id = $1`,
      );
      expect(stored).toEqual({ n: 36, top: 36, copies: 1 });
    });

    it('fences a stale writer: two nodes writing one conversation never repeat or skip a seq', async () => {
      const { conversation } = await createGroup(ann, [bo]);
      // Alternating nodes one at a time: each write finds the other's seqs.
      for (let i = 0; i < 6; i++) {
        const { message } = await send(i % 2 ? NODE_B : NODE_A, ann, conversation.id, `alt-${i}`);
        expect(message.seq).toBe(i + 1);
      }
      // Both at once, as during an ownership move.
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) => send(i % 2 ? NODE_B : NODE_A, i % 3 ? ann : bo, conversation.id, `both-${i}`)),
      );
      const seqs = replies.map((r) => r.message.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 7));
      const stored = await sql(
        conversation.id,
        'SELECT count(*)::int AS n, max(seq)::int AS top, count(DISTINCT id)::int AS ids FROM messages WHERE conversation_id = $1',
      );
      expect(stored).toEqual({ n: 66, top: 66, ids: 66 });
    });

    it('keeps every conversation gap-free when both nodes write many conversations at once (coalesced statements with conflicts)', async () => {
      const conversations = await Promise.all(Array.from({ length: 12 }, () => createGroup(ann, [bo]).then((r) => r.conversation.id)));
      const replies = await Promise.all(
        conversations.flatMap((id, c) => Array.from({ length: 10 }, (_, i) => send((i + c) % 2 ? NODE_B : NODE_A, i % 2 ? ann : bo, id, `many-${i}`))),
      );
      for (const id of conversations) {
        const seqs = replies.filter((r) => r.message.conversationId === id).map((r) => r.message.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        const stored = await sql(id, 'SELECT count(*)::int AS n, max(seq)::int AS top, (SELECT last_seq::int FROM conversations WHERE id = $1) AS last FROM messages WHERE conversation_id = $1');
        expect(stored).toEqual({ n: 10, top: 10, last: 10 });
      }
    });

    it('answers NOT_FOUND for malformed, unknown and other-org conversation ids, and FORBIDDEN for non-members', async () => {
      const { conversation } = await createGroup(ann, [bo]);
      const cy = await newUser(org, 'Cy');
      const otherOrg = await newOrg();
      const stranger = await newUser(otherOrg.id);
      expect(await codeOf(send(NODE_A, ann, 'not-a-conversation', 'x'))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(send(NODE_A, ann, 'c7_AAAAAAAAAAAAAAAA', 'x'))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(send(NODE_A, stranger, conversation.id, 'x'))).toBe(ErrorCode.NOT_FOUND);
      expect(await codeOf(send(NODE_A, cy, conversation.id, 'x'))).toBe(ErrorCode.FORBIDDEN);
      expect(await codeOf(send(NODE_A, ann, conversation.id, 'big', 'x'.repeat(4001)))).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
      expect(await codeOf(send(NODE_A, ann, conversation.id, 'nul', 'a\u0000b'))).toBe(ErrorCode.BAD_REQUEST);
    });
  });

  describe('members', () => {
    it('adds and removes group members, announces the change, and the write path follows at once', async () => {
      const org = await newOrg();
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(org.id)];
      const { conversation } = await createGroup(ann, [bo]);
      const members = (actor: User, userIds: string[], kind: 'membersAdd' | 'membersRemove') =>
        bus.request(ChatNodeCommands[kind], { actor: actorOf(actor), input: { conversationId: conversation.id, userIds } }, { nodeId: NODE_A });

      expect(await codeOf(send(NODE_A, cy, conversation.id, 'before'))).toBe(ErrorCode.FORBIDDEN);
      const added = await members(bo, [cy.id], 'membersAdd');
      expect([...added.conversation.memberIds].sort()).toEqual([ann.id, bo.id, cy.id].sort());
      await expect(send(NODE_A, cy, conversation.id, 'after')).resolves.toMatchObject({ message: { seq: 1 } });

      const removed = await members(cy, [cy.id], 'membersRemove');
      expect(removed.conversation.memberIds).not.toContain(cy.id);
      expect(await codeOf(send(NODE_A, cy, conversation.id, 'gone'))).toBe(ErrorCode.FORBIDDEN);
      await eventually(() => expect(changes.find((c) => c.conversation.id === conversation.id && c.removedIds.includes(cy.id))).toBeDefined());
    });

    it('refuses other-org users, non-groups, non-members and unknown conversations', async () => {
      const [org, other] = [await newOrg(), await newOrg()];
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(org.id)];
      const outsider = await newUser(other.id);
      const group = (await createGroup(ann, [bo])).conversation.id;
      const direct = (await createDirect(ann, [bo.id])).conversation.id;
      const add = (actor: User, conversationId: string, userIds: string[]) => codeOf(addMembers(NODE_A, actor, conversationId, userIds));
      expect(await add(ann, group, [outsider.id])).toBe(ErrorCode.FORBIDDEN);
      expect(await add(ann, direct, [cy.id])).toBe(ErrorCode.BAD_REQUEST);
      expect(await add(cy, group, [cy.id])).toBe(ErrorCode.FORBIDDEN);
      expect(await add(outsider, group, [outsider.id])).toBe(ErrorCode.NOT_FOUND);
      expect(await add(ann, 'junk-id', [cy.id])).toBe(ErrorCode.NOT_FOUND);
    });

    it('lets the owner node see a membership change made by another node', async () => {
      const org = await newOrg();
      const [ann, bo, cy] = [await newUser(org.id), await newUser(org.id), await newUser(org.id)];
      const { conversation } = await createGroup(ann, [bo]);
      await send(NODE_A, ann, conversation.id, 'warm'); // node A now holds the member set
      await addMembers(NODE_B, ann, conversation.id, [cy.id]);
      await eventually(() => expect(send(NODE_A, cy, conversation.id, 'joined')).resolves.toMatchObject({ message: { seq: 2 } }));
    });
  });

  describe('robustness', () => {
    it('answers junk bytes and wrongly typed payloads with BAD_REQUEST and keeps serving', async () => {
      const subjects = [
        Subjects.command(prefix, ChatCommands.conversationCreate),
        Subjects.command(prefix, DirectoryCommands.orgCreate),
        Subjects.command(prefix, ChatNodeCommands.messageSend, NODE_A),
        Subjects.command(prefix, ChatNodeCommands.membersAdd, NODE_B),
      ];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...subjects), fc.uint8Array({ maxLength: 300 }), async (subject, bytes) => {
          const reply = await bus.connection.request(subject, bytes, { timeout: 3000 });
          expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
        }),
        { numRuns: 100 },
      );
      const wrongTypes = [
        { actor: 1, input: 'x' },
        { actor: { userId: 'u', orgId: 'o', deviceId: 'd' }, input: { conversationId: 5, clientMsgId: [], body: {} } },
        null,
        'text',
      ];
      for (const payload of wrongTypes) {
        const reply = await bus.connection.request(subjects[2], new TextEncoder().encode(JSON.stringify(payload)), { timeout: 3000 });
        expect(JSON.parse(new TextDecoder().decode(reply.data)).error.code).toBe(ErrorCode.BAD_REQUEST);
      }
      await expect(newOrg('still here')).resolves.toMatchObject({ name: 'still here' });
    });

    it('heartbeats while up and says it is leaving when it shuts down', async () => {
      await eventually(() => expect(new Set(heartbeats.map((h) => h.nodeId))).toEqual(new Set([NODE_A, NODE_B])));
      const node = await boot('node-short-lived');
      await eventually(() => expect(heartbeats.some((h) => h.nodeId === 'node-short-lived' && !h.leaving)).toBe(true));
      await node.close();
      await eventually(() => expect(heartbeats.find((h) => h.nodeId === 'node-short-lived' && h.leaving)).toBeDefined());
    });
  });
});
