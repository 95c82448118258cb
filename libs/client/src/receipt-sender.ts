import { BACKGROUND_RETRY_MS, Link } from './call';
import { isAuthExpiry, isRetryable, ParleyClientError } from './errors';
import { PendingReceipt, ReceiptBatcher, ReceiptKind } from './receipt-batcher';

/** Sends the batcher's receipts every `delayMs` while connected, and again after a reconnect if they did not get through. */
export class ReceiptSender {
  private readonly batcher = new ReceiptBatcher();
  private timer?: unknown;
  private closed = false;

  constructor(
    private readonly link: Link,
    private readonly delayMs: number,
  ) {}

  note(receipt: PendingReceipt): void {
    if (this.batcher.note(receipt)) this.schedule(this.delayMs);
  }

  /** The highest seq of this kind the server acked this run. */
  ackedSeq(kind: ReceiptKind, conversationId: string): number {
    return this.batcher.ackedSeq(kind, conversationId);
  }

  flush(): void {
    const socket = this.link.live();
    if (!socket || this.batcher.size === 0) return;
    for (const receipt of this.batcher.take()) {
      const event = receipt.kind === 'read' ? 'receipt.read' : 'receipt.delivered';
      this.link.call(socket, event, { conversationId: receipt.conversationId, seq: receipt.seq }).then(
        () => this.batcher.sent(receipt),
        (err: ParleyClientError) => this.onFailed(receipt, err),
      );
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.link.clock.clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.link.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delayMs);
  }

  /** A receipt the server refuses (no longer a member, ...) is dropped; one that did not get through waits for the next flush. */
  private onFailed(receipt: PendingReceipt, error: ParleyClientError): void {
    const connected = !!this.link.live();
    if (!isRetryable(error.code) && !isAuthExpiry(error.code) && connected) return this.link.error(error);
    this.batcher.failed(receipt);
    if (connected) this.schedule(Math.max(BACKGROUND_RETRY_MS, error.retryAfterMs ?? 0));
  }
}
