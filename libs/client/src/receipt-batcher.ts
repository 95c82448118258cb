export type ReceiptKind = 'delivered' | 'read';

export interface PendingReceipt {
  kind: ReceiptKind;
  conversationId: string;
  seq: number;
}

/**
 * Coalesces receipts: per kind and conversation only the highest seq noted since the last
 * flush is sent, and never one at or below a seq the server already acked (cursors only move
 * forward, so a lower receipt would be a wasted round trip). No timers or I/O here.
 */
export class ReceiptBatcher {
  private readonly waiting = new Map<string, PendingReceipt>();
  private readonly acked = new Map<string, number>();

  /** Notes a receipt; false if it adds nothing to what is waiting or acked. */
  note(receipt: PendingReceipt): boolean {
    const key = `${receipt.kind}\u0000${receipt.conversationId}`;
    const floor = Math.max(this.waiting.get(key)?.seq ?? 0, this.acked.get(key) ?? 0);
    if (receipt.seq <= floor) return false;
    this.waiting.set(key, receipt);
    // Read implies delivered on the server: a waiting delivered receipt at or below it is redundant.
    if (receipt.kind === 'read') {
      const deliveredKey = `delivered\u0000${receipt.conversationId}`;
      if ((this.waiting.get(deliveredKey)?.seq ?? 0) <= receipt.seq) this.waiting.delete(deliveredKey);
    }
    return true;
  }

  /** Everything waiting, emptied from the batcher; report each outcome with sent() or failed(). */
  take(): PendingReceipt[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    return all;
  }

  /** The server acked it: later receipts at or below it are skipped. */
  sent(receipt: PendingReceipt): void {
    const key = `${receipt.kind}\u0000${receipt.conversationId}`;
    this.acked.set(key, Math.max(this.acked.get(key) ?? 0, receipt.seq));
    if (receipt.kind === 'read') this.sent({ ...receipt, kind: 'delivered' });
  }

  /** Not acked (connection lost, timeout): waits again for the next flush unless something higher is waiting. */
  failed(receipt: PendingReceipt): void {
    this.note(receipt);
  }

  /** The highest seq of this kind the server acked for a conversation (0: none this run). */
  ackedSeq(kind: ReceiptKind, conversationId: string): number {
    return this.acked.get(`${kind}\u0000${conversationId}`) ?? 0;
  }

  get size(): number {
    return this.waiting.size;
  }
}
