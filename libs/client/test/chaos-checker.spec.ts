import type { Message } from '@parley/contracts';
import { checkChaos, ClientRecord } from './chaos-checker';

const msg = (seq: number, clientMsgId: string, senderId = 'u1'): Message => ({
  id: `m${seq}-${clientMsgId}`,
  conversationId: 'c',
  seq,
  senderId,
  clientMsgId,
  body: clientMsgId,
  createdAt: 't',
});
const record = (name: string, received: Message[], acked: Message[], pending = 0): ClientRecord => ({
  name,
  conversationIds: ['c'],
  sends: new Map(acked.map((m) => [m.clientMsgId, { conversationId: 'c', acked: m }])),
  received,
  pending,
});

describe('chaos checker', () => {
  it('passes a clean run', () => {
    const history = [msg(1, 'a'), msg(2, 'b')];
    const figures = checkChaos(new Map([['c', history]]), [record('d1', history, history)], () => 'u1');
    expect(figures).toMatchObject({ sent: 2, acked: 2, stored: 2, duplicates: 0, gaps: 0, divergentDevices: 0, undrainedOutboxes: 0, problems: [] });
  });

  it('finds a duplicate, a gap, a divergent device, an acked send stored twice and an undrained outbox', () => {
    const history = [msg(1, 'a'), msg(2, 'b'), msg(4, 'b')];
    const figures = checkChaos(
      new Map([['c', history]]),
      [record('d1', history, [msg(1, 'a'), msg(2, 'b')], 1), record('d2', [msg(1, 'a'), msg(4, 'b')], [])],
      () => 'u1',
    );
    expect(figures).toMatchObject({ duplicates: 1, gaps: 1, divergentDevices: 1, ackedNotStoredOnce: 1, undrainedOutboxes: 1 });
    expect(figures.problems.length).toBeGreaterThanOrEqual(5);
  });
});
