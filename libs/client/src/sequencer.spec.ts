import fc from 'fast-check';
import type { Message } from '@parley/contracts';
import { Sequencer } from './sequencer';

const message = (seq: number, conversationId = 'c1'): Message => ({
  id: `m${conversationId}-${seq}`,
  conversationId,
  seq,
  senderId: 'u1',
  clientMsgId: `k${seq}`,
  body: `body ${seq}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const seqs = (messages: Message[]) => messages.map((m) => m.seq);

describe('Sequencer', () => {
  it('holds seq n+2 back until n+1 arrives, then delivers both in order', () => {
    const sequencer = new Sequencer({ c1: 3 });
    expect(sequencer.accept('c1', [message(5)])).toEqual([]);
    expect(sequencer.gap('c1')).toEqual({ conversationId: 'c1', afterSeq: 3, beforeSeq: 5 });
    expect(seqs(sequencer.accept('c1', [message(4)]))).toEqual([4, 5]);
    expect(sequencer.gap('c1')).toBeUndefined();
    expect(sequencer.cursor('c1')).toBe(5);
  });

  it('drops what was delivered already, whatever path it comes back on', () => {
    const sequencer = new Sequencer({ c1: 0 });
    expect(seqs(sequencer.accept('c1', [message(1), message(2)]))).toEqual([1, 2]);
    expect(sequencer.accept('c1', [message(2), message(1)])).toEqual([]);
    expect(seqs(sequencer.accept('c1', [message(3), message(3)]))).toEqual([3]);
  });

  it('holds everything of a conversation without a baseline, and delivers from the baseline once it is set', () => {
    const sequencer = new Sequencer();
    expect(sequencer.accept('c2', [message(7, 'c2'), message(8, 'c2')])).toEqual([]);
    expect(sequencer.unknownWithHeld()).toEqual(['c2']);
    expect(sequencer.gap('c2')).toBeUndefined();
    expect(seqs(sequencer.setBaseline('c2', 7))).toEqual([8]);
    expect(sequencer.cursors()).toEqual({ c2: 8 });
  });

  it('forgets held messages of an unknown conversation on dropHeld', () => {
    const sequencer = new Sequencer();
    sequencer.accept('c3', [message(2, 'c3')]);
    sequencer.dropHeld('c3');
    expect(sequencer.unknownWithHeld()).toEqual([]);
    expect(sequencer.isKnown('c3')).toBe(false);
  });

  it('keeps conversations apart', () => {
    const sequencer = new Sequencer({ a: 0, b: 0 });
    expect(sequencer.accept('a', [message(2, 'a')])).toEqual([]);
    expect(seqs(sequencer.accept('b', [message(1, 'b')]))).toEqual([1]);
    expect(sequencer.gaps()).toEqual([{ conversationId: 'a', afterSeq: 0, beforeSeq: 2 }]);
  });

  it('turns any arrival order with any duplicates into 1..n exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 1, max: n }), { maxLength: 3 * n }), fc.integer({ min: 1, max: 8 })),
        ),
        ([n, extra, batch]) => {
          const sequencer = new Sequencer({ c: 0 });
          // every seq at least once (shuffled by the extra picks), plus duplicates
          const arrivals = [...extra, ...Array.from({ length: n }, (_, i) => n - i)].map((s) => message(s, 'c'));
          const delivered: number[] = [];
          for (let i = 0; i < arrivals.length; i += batch) delivered.push(...seqs(sequencer.accept('c', arrivals.slice(i, i + batch))));
          expect(delivered).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(sequencer.gaps()).toEqual([]);
        },
      ),
    );
  });
});
