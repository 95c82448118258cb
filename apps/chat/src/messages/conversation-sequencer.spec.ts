import { Logger } from '@nestjs/common';
import { Actor, ErrorCode, Message } from '@parley/contracts';
import { MessageEventSink } from '../events/chat-events.publisher';
import { ConversationSequencer, MAX_BATCH } from './conversation-sequencer';
import { HotConversations, StoredConversationState } from './hot-conversations';
import { AppendOutcome, MessageDraft, MessageWriteStore, SendKey } from './message-write.repository';

/**
 * An in-memory stand-in for MessageWriteRepository with the same fences as the
 * schema: (conversation, seq) and (conversation, sender, clientMsgId) are unique,
 * and a batch is stored all or nothing.
 */
class FakeMessageStore implements MessageWriteStore {
  readonly conversations = new Map<string, { orgId: string; memberIds: string[]; messages: Message[] }>();
  /** Draft counts of every append call, in order. */
  readonly appends: number[] = [];
  /** While set, appends wait for it (a write "in flight"). */
  gate?: Promise<void>;
  failNext = false;

  addConversation(id: string, orgId: string, memberIds: string[]): void {
    this.conversations.set(id, { orgId, memberIds, messages: [] });
  }

  /** Another node writing the conversation behind our back. */
  writeAsOtherNode(id: string, senderId: string, count: number): void {
    const c = this.conversations.get(id)!;
    for (let i = 0; i < count; i++) c.messages.push(message(id, c.messages.length + 1, senderId, `other-${c.messages.length + 1}`));
  }

  async loadState(id: string): Promise<StoredConversationState | null> {
    const c = this.conversations.get(id);
    if (!c) return null;
    return { orgId: c.orgId, kind: 'group', lastSeq: c.messages.length, memberIds: [...c.memberIds], recent: c.messages.slice(-30) };
  }

  async append(id: string, _orgId: string, drafts: readonly MessageDraft[]): Promise<AppendOutcome> {
    this.appends.push(drafts.length);
    await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('connection reset');
    }
    const c = this.conversations.get(id)!;
    if (drafts.some((d) => c.messages.some((m) => m.seq === d.seq))) return { kind: 'seq-taken' };
    if (drafts.some((d) => c.messages.some((m) => m.senderId === d.senderId && m.clientMsgId === d.clientMsgId))) return { kind: 'duplicate' };
    const stored = drafts.map((d) => ({ ...message(id, d.seq, d.senderId, d.clientMsgId), id: d.id, body: d.body }));
    c.messages.push(...stored);
    c.messages.sort((a, b) => a.seq - b.seq);
    return { kind: 'stored', messages: stored };
  }

  async findSent(id: string, keys: readonly SendKey[]): Promise<Message[]> {
    return this.conversations.get(id)!.messages.filter((m) => keys.some((k) => k.senderId === m.senderId && k.clientMsgId === m.clientMsgId));
  }
}

function message(conversationId: string, seq: number, senderId: string, clientMsgId: string): Message {
  return { id: `m-${conversationId}-${seq}`, conversationId, seq, senderId, clientMsgId, body: `body ${seq}`, createdAt: new Date(0).toISOString() };
}

const ORG = 'org-1';
const CONV = 'conv-1';
const alice: Actor = { userId: 'alice', orgId: ORG, deviceId: 'd1' };
const bob: Actor = { userId: 'bob', orgId: ORG, deviceId: 'd2' };

describe('ConversationSequencer', () => {
  let store: FakeMessageStore;
  let published: Array<{ orgId: string; message: Message; memberIds: string[] }>;
  let sequencer: ConversationSequencer;
  let openGate: () => void;

  const send = (actor: Actor, clientMsgId: string, body = `text ${clientMsgId}`) =>
    sequencer.send(actor, { conversationId: CONV, clientMsgId, body });
  const holdWrites = () => {
    store.gate = new Promise((resolve) => (openGate = () => (store.gate = undefined, resolve())));
  };
  const seqsOf = (messages: Message[]) => messages.map((m) => m.seq);
  const storedSeqs = () => store.conversations.get(CONV)!.messages.map((m) => m.seq);

  beforeAll(() => Logger.overrideLogger(false)); // the storage-error case logs by design

  beforeEach(() => {
    store = new FakeMessageStore();
    store.addConversation(CONV, ORG, ['alice', 'bob']);
    published = [];
    const events: MessageEventSink = { messageCreated: (orgId, message, memberIds) => void published.push({ orgId, message, memberIds }) };
    sequencer = new ConversationSequencer(new HotConversations(store, { capacity: 100, idleReloadMs: 30_000 }), store, events);
  });

  it('writes sends that queue behind an in-flight write as one batch, in arrival order', async () => {
    holdWrites();
    const first = send(alice, 'a0');
    await new Promise((r) => setImmediate(r));
    const queued = Array.from({ length: 10 }, (_, i) => send(i % 2 ? bob : alice, `q${i}`));
    openGate();
    const messages = await Promise.all([first, ...queued]);
    expect(store.appends).toEqual([1, 10]);
    expect(seqsOf(messages)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(messages.map((m) => m.clientMsgId)).toEqual(['a0', ...Array.from({ length: 10 }, (_, i) => `q${i}`)]);
  });

  it('writes the sends handed in within one turn as one batch', async () => {
    const messages = await Promise.all(['t0', 't1', 't2'].map((id, i) => send(i % 2 ? bob : alice, id)));
    expect(store.appends).toEqual([3]);
    expect(seqsOf(messages)).toEqual([1, 2, 3]);
  });

  it(`splits a long queue into batches of at most ${MAX_BATCH}`, async () => {
    holdWrites();
    const first = send(alice, 'first');
    await new Promise((r) => setImmediate(r));
    const queued = Array.from({ length: 2 * MAX_BATCH + 50 }, (_, i) => send(alice, `m${i}`));
    openGate();
    const messages = await Promise.all([first, ...queued]);
    expect(store.appends).toEqual([1, MAX_BATCH, MAX_BATCH, 50]);
    expect(seqsOf(messages)).toEqual(Array.from({ length: messages.length }, (_, i) => i + 1));
  });

  it('publishes MessageCreated once per stored message, in seq order, with the members', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => send(alice, `m${i}`)));
    expect(published.map((p) => p.message.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(published[0]).toMatchObject({ orgId: ORG, memberIds: ['alice', 'bob'] });
  });

  it('answers a duplicate inside one batch with the one stored message', async () => {
    holdWrites();
    const first = send(alice, 'x');
    await new Promise((r) => setImmediate(r));
    const [a, b, c] = [send(alice, 'dup', 'one'), send(alice, 'dup', 'two'), send(bob, 'dup', 'bob')];
    openGate();
    await first;
    const [ma, mb, mc] = await Promise.all([a, b, c]);
    expect(mb).toEqual(ma);
    expect(ma.body).toBe('one');
    expect(mc.seq).toBe(ma.seq + 1); // same clientMsgId from another sender is another message
    expect(storedSeqs()).toEqual([1, 2, 3]);
    expect(published).toHaveLength(3);
  });

  it('answers a retry of a recent message from memory, without writing', async () => {
    const original = await send(alice, 'r1');
    const appendsBefore = store.appends.length;
    await expect(send(alice, 'r1', 'different body')).resolves.toEqual(original);
    expect(store.appends.length).toBe(appendsBefore);
    expect(published).toHaveLength(1);
  });

  it('answers a retry that is stored but no longer recent with the stored message and writes the rest gap-free', async () => {
    const original = await send(alice, 'old');
    for (let i = 0; i < 40; i++) await send(bob, `b${i}`);
    holdWrites();
    const blocker = send(bob, 'blocker');
    await new Promise((r) => setImmediate(r));
    const [retry, fresh] = [send(alice, 'old'), send(alice, 'new')];
    openGate();
    await blocker;
    await expect(retry).resolves.toEqual(original);
    await expect(fresh).resolves.toMatchObject({ seq: 43 });
    expect(storedSeqs()).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
  });

  it('is fenced by the seq uniqueness when another node wrote meanwhile: reloads and continues without gaps', async () => {
    await send(alice, 'a1'); // seq 1, state now hot with lastSeq 1
    store.writeAsOtherNode(CONV, 'bob', 5); // seqs 2..6 written elsewhere
    const [m1, m2] = await Promise.all([send(alice, 'a2'), send(alice, 'a3')]);
    expect([m1.seq, m2.seq]).toEqual([7, 8]);
    expect(storedSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('finds a retry that another node stored, after a seq conflict', async () => {
    await send(alice, 'a1');
    const c = store.conversations.get(CONV)!;
    c.messages.push({ ...message(CONV, 2, 'alice', 'sent-elsewhere'), id: 'm-elsewhere' });
    await expect(send(alice, 'sent-elsewhere')).resolves.toMatchObject({ id: 'm-elsewhere', seq: 2 });
    expect(storedSeqs()).toEqual([1, 2]);
  });

  it('refuses non-members and other orgs per send, without failing the rest of the batch', async () => {
    holdWrites();
    const first = send(alice, 'first');
    await new Promise((r) => setImmediate(r));
    const carol = send({ userId: 'carol', orgId: ORG, deviceId: 'd' }, 'c1');
    const stranger = send({ userId: 'alice', orgId: 'other-org', deviceId: 'd' }, 's1');
    const ok = send(bob, 'b1');
    openGate();
    await first;
    await expect(carol).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    await expect(stranger).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(ok).resolves.toMatchObject({ seq: 2 });
  });

  it('answers NOT_FOUND for a conversation that does not exist', async () => {
    await expect(sequencer.send(alice, { conversationId: 'nope', clientMsgId: 'x', body: 'x' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
  });

  it('fails the whole batch on a storage error, then recovers from the database state', async () => {
    await send(alice, 'a1');
    store.failNext = true;
    await expect(send(alice, 'a2')).rejects.toThrow('connection reset');
    store.writeAsOtherNode(CONV, 'bob', 2); // seqs 2, 3
    await expect(send(alice, 'a2')).resolves.toMatchObject({ seq: 4 });
    expect(storedSeqs()).toEqual([1, 2, 3, 4]);
  });
});
