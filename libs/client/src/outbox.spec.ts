import { Outbox } from './outbox';

const send = (conversationId: string, clientMsgId: string) => ({ conversationId, clientMsgId, body: `body of ${clientMsgId}` });
const ids = (sends: Array<{ clientMsgId: string }>) => sends.map((s) => s.clientMsgId);

describe('Outbox', () => {
  const options = { maxInFlightPerConversation: 1, retryBackoff: { baseMs: 100, maxMs: 1000 }, random: () => 0.5 };

  it('sends one at a time per conversation, oldest first, conversations in parallel', () => {
    const outbox = new Outbox(options);
    ['a1', 'a2'].forEach((k) => outbox.add(send('a', k)));
    outbox.add(send('b', 'b1'));
    expect(ids(outbox.takeDue(0))).toEqual(['a1', 'b1']);
    expect(outbox.takeDue(0)).toEqual([]);
    expect(outbox.acked('a1', 1)).toBe(true);
    expect(ids(outbox.takeDue(0))).toEqual(['a2']);
    expect(outbox.size).toBe(2);
  });

  it('keeps the same clientMsgId across attempts and ignores the outcome of a stale attempt', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'k'));
    const [first] = outbox.takeDue(0);
    outbox.requeueInFlight(); // the connection dropped
    const [second] = outbox.takeDue(0);
    expect(second).toMatchObject({ clientMsgId: 'k', attempt: first.attempt + 1 });
    expect(outbox.acked('k', first.attempt)).toBe(false);
    expect(outbox.has('k')).toBe(true);
    expect(outbox.acked('k', second.attempt)).toBe(true);
    expect(outbox.size).toBe(0);
  });

  it('refuses a duplicate clientMsgId while the first is waiting', () => {
    const outbox = new Outbox(options);
    expect(outbox.add(send('a', 'k'))).toBe(true);
    expect(outbox.add(send('a', 'k'))).toBe(false);
    expect(outbox.size).toBe(1);
  });

  it('waits a growing jittered delay after a busy answer and holds later sends of that conversation behind it', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'a1'));
    outbox.add(send('a', 'a2'));
    outbox.add(send('b', 'b1'));
    outbox.takeDue(1000);
    expect(outbox.retry('a1', 1, 1000, true)).toBe(true);
    expect(outbox.nextDueAt()).toBe(1050); // 0.5 * 100
    expect(outbox.takeDue(1049)).toEqual([]);
    expect(ids(outbox.takeDue(1050))).toEqual(['a1']);
    outbox.retry('a1', 2, 2000, true);
    expect(outbox.nextDueAt()).toBe(2100); // 0.5 * 200
  });

  it('waits at least what a RATE_LIMITED answer asks for', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'a1'));
    outbox.takeDue(0);
    outbox.retry('a1', 1, 1000, true, 700);
    expect(outbox.nextDueAt()).toBe(1700);
  });

  it('retries a timed-out send at once', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'a1'));
    outbox.takeDue(0);
    outbox.retry('a1', 1, 500, false);
    expect(ids(outbox.takeDue(500))).toEqual(['a1']);
  });

  it('drops a send refused for good and lets the next one go', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'a1'));
    outbox.add(send('a', 'a2'));
    outbox.takeDue(0);
    expect(outbox.failed('a1', 1)).toBe(true);
    expect(ids(outbox.takeDue(0))).toEqual(['a2']);
  });

  it('pipelines up to maxInFlightPerConversation', () => {
    const outbox = new Outbox({ ...options, maxInFlightPerConversation: 3 });
    ['1', '2', '3', '4'].forEach((k) => outbox.add(send('a', k)));
    expect(ids(outbox.takeDue(0))).toEqual(['1', '2', '3']);
    outbox.acked('2', 1);
    expect(ids(outbox.takeDue(0))).toEqual(['4']);
  });

  it('hands back what was waiting when cleared', () => {
    const outbox = new Outbox(options);
    outbox.add(send('a', 'a1'));
    outbox.add(send('b', 'b1'));
    outbox.takeDue(0);
    expect(outbox.clear()).toEqual([send('a', 'a1'), send('b', 'b1')]);
    expect(outbox.size).toBe(0);
  });
});
