import { Message } from '@parley/contracts';
import { SendAnswer, StreamAnsweredSends } from './stream-answered-sends';

const message = (overrides: Partial<Message> = {}): Message => ({
  id: 'm1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'ana',
  clientMsgId: 'k1',
  body: 'hi',
  createdAt: '2026-12-07T00:00:00.000Z',
  ...overrides,
});

describe('StreamAnsweredSends', () => {
  let sends: StreamAnsweredSends;
  beforeEach(() => (sends = new StreamAnsweredSends()));

  it('answers the waiting request with the message its send stored', () => {
    const pending = sends.expect('c1', 'ana', 'k1');
    const answers: SendAnswer[] = [];
    pending.attach((a) => answers.push(a));
    sends.messageStored(message({ seq: 7 }));
    expect(answers).toEqual([{ message: message({ seq: 7 }) }]);
  });

  it('answers only the send of that conversation, sender and clientMsgId', () => {
    const pending = sends.expect('c1', 'ana', 'k1');
    const answers: SendAnswer[] = [];
    pending.attach((a) => answers.push(a));
    sends.messageStored(message({ conversationId: 'c2' }));
    sends.messageStored(message({ senderId: 'ben' }));
    sends.messageStored(message({ clientMsgId: 'k2' }));
    // Keys are joined with NUL, which no text field may hold, so no shifted parts collide.
    sends.messageStored(message({ conversationId: 'c1\u0000ana', senderId: 'k1', clientMsgId: '' }));
    expect(answers).toEqual([]);
  });

  it('answers a retried request at once when the message arrived between two attempts', () => {
    const pending = sends.expect('c1', 'ana', 'k1');
    const first: SendAnswer[] = [];
    pending.attach((a) => first.push(a));
    sends.messageStored(message());
    const retry: SendAnswer[] = [];
    pending.attach((a) => retry.push(a));
    expect(first).toHaveLength(1);
    expect(retry).toEqual([{ message: message() }]);
  });

  it('lets two sends of one message share the wait until both are released', () => {
    const a = sends.expect('c1', 'ana', 'k1');
    const b = sends.expect('c1', 'ana', 'k1');
    const answers: string[] = [];
    a.attach(() => answers.push('a'));
    b.attach(() => answers.push('b'));
    sends.messageStored(message());
    expect(answers).toEqual(['a', 'b']);
    a.release();
    expect(sends.size).toBe(1);
    b.release();
    expect(sends.size).toBe(0);
  });

  it('forgets a released send: its message arriving later answers nobody', () => {
    const pending = sends.expect('c1', 'ana', 'k1');
    const answers: SendAnswer[] = [];
    pending.attach((a) => answers.push(a));
    pending.release();
    sends.messageStored(message());
    expect(answers).toEqual([]);
    expect(sends.size).toBe(0);
  });
});
