import { ReceiptBatcher } from './receipt-batcher';

describe('ReceiptBatcher', () => {
  it('sends only the highest seq per kind and conversation', () => {
    const batcher = new ReceiptBatcher();
    for (const seq of [1, 3, 2]) batcher.note({ kind: 'delivered', conversationId: 'a', seq });
    batcher.note({ kind: 'delivered', conversationId: 'b', seq: 9 });
    expect(batcher.take()).toEqual([
      { kind: 'delivered', conversationId: 'a', seq: 3 },
      { kind: 'delivered', conversationId: 'b', seq: 9 },
    ]);
    expect(batcher.size).toBe(0);
  });

  it('skips what the server already acked, keeps what failed for the next flush', () => {
    const batcher = new ReceiptBatcher();
    batcher.note({ kind: 'delivered', conversationId: 'a', seq: 5 });
    const [first] = batcher.take();
    batcher.sent(first);
    expect(batcher.note({ kind: 'delivered', conversationId: 'a', seq: 4 })).toBe(false);
    batcher.note({ kind: 'delivered', conversationId: 'a', seq: 6 });
    const [second] = batcher.take();
    batcher.failed(second);
    expect(batcher.take()).toEqual([{ kind: 'delivered', conversationId: 'a', seq: 6 }]);
  });

  it('lets a read receipt stand for the delivered receipt it implies', () => {
    const batcher = new ReceiptBatcher();
    batcher.note({ kind: 'delivered', conversationId: 'a', seq: 4 });
    batcher.note({ kind: 'read', conversationId: 'a', seq: 4 });
    const waiting = batcher.take();
    expect(waiting).toEqual([{ kind: 'read', conversationId: 'a', seq: 4 }]);
    batcher.sent(waiting[0]);
    expect(batcher.note({ kind: 'delivered', conversationId: 'a', seq: 4 })).toBe(false);
    expect(batcher.note({ kind: 'delivered', conversationId: 'a', seq: 5 })).toBe(true);
  });
});
