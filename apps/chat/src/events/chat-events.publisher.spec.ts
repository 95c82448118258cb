import { Logger } from '@nestjs/common';
import { EventContract, Message } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ChatEventsPublisher } from './chat-events.publisher';

/**
 * What the publisher needs of the bus, in memory: every publish is recorded when it is sent and
 * settled by the test (an ack or a failure), so the test sees what was in flight at once.
 */
class FakeStreamBus {
  readonly sent: string[] = [];
  private readonly waiting: Array<{ msgId: string; settle(err?: Error): void }> = [];

  publish(_contract: EventContract, _payload: unknown, opts: { msgId?: string }): Promise<void> {
    this.sent.push(opts.msgId!);
    return new Promise((resolve, reject) => this.waiting.push({ msgId: opts.msgId!, settle: (err) => (err ? reject(err) : resolve()) }));
  }

  /** Acks everything in flight except the given ids, which fail. */
  answerAll(failing: string[] = []): void {
    for (const w of this.waiting.splice(0)) w.settle(failing.includes(w.msgId) ? new Error('stream unavailable') : undefined);
  }
}

function message(seq: number): Message {
  return { id: `m-${seq}`, conversationId: 'conv-1', seq, senderId: 'alice', clientMsgId: `c-${seq}`, body: 'hi', createdAt: new Date(0).toISOString() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ChatEventsPublisher', () => {
  let bus: FakeStreamBus;
  let publisher: ChatEventsPublisher;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    bus = new FakeStreamBus();
    publisher = new ChatEventsPublisher(bus as unknown as NatsBus, { MESSAGE_STREAM_REPLICAS: 1 });
  });

  afterEach(() => jest.restoreAllMocks());

  it('sends a committed batch at once and what queued meanwhile after its acks, in order', async () => {
    [1, 2, 3].forEach((seq) => publisher.messageCreated('org-1', message(seq), ['alice', 'bob']));
    await flush();
    expect(bus.sent).toEqual(['m-1', 'm-2', 'm-3']);
    publisher.messageCreated('org-1', message(4), ['alice', 'bob']);
    await flush();
    expect(bus.sent).toHaveLength(3); // m-4 waits for the acks of the batch before it
    bus.answerAll();
    await flush();
    expect(bus.sent).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    bus.answerAll();
    await publisher.whenIdle(1000);
  });

  it('resends from the first failed event on, in order, before anything newer', async () => {
    [1, 2, 3].forEach((seq) => publisher.messageCreated('org-1', message(seq), ['alice']));
    await flush();
    publisher.messageCreated('org-1', message(4), ['alice']);
    bus.answerAll(['m-2']);
    await new Promise((resolve) => setTimeout(resolve, 150)); // the first retry delay
    expect(bus.sent).toEqual(['m-1', 'm-2', 'm-3', 'm-2', 'm-3']);
    bus.answerAll();
    await flush();
    expect(bus.sent.slice(5)).toEqual(['m-4']);
    bus.answerAll();
    await publisher.whenIdle(1000);
  });
});
