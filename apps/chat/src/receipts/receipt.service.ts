import { Inject, Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError, ReceiptInput, ReceiptKind, ViewerState } from '@parley/contracts';
import { ConversationAccess } from '../conversations/conversation-access';
import { ChatEventsPublisher, ReceiptEventSink } from '../events/chat-events.publisher';
import { ReceiptRepository } from './receipt.repository';

/**
 * Delivered and read receipts, served by the conversation's owner node (its hot
 * member set answers the access check without a query). Cursors only move forward;
 * a read moves delivered too. Other members are told only when a cursor moved.
 */
@Injectable()
export class ReceiptService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly receipts: ReceiptRepository,
    @Inject(ChatEventsPublisher) private readonly events: ReceiptEventSink,
  ) {}

  async record(actor: Actor, input: ReceiptInput & { kind: ReceiptKind }): Promise<ViewerState> {
    const state = await this.access.requireMember(actor, input.conversationId);
    const move = await this.receipts.record({
      conversationId: input.conversationId,
      orgId: state.orgId,
      userId: actor.userId,
      deviceId: actor.deviceId,
      kind: input.kind,
      seq: input.seq,
    });
    // The hot member set said member, the table says not: a removal this node has not heard of yet.
    if (!move) throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member of this conversation');
    const { before, after } = move;
    const kind: ReceiptKind | null = after.readSeq > before.readSeq ? 'read' : after.deliveredSeq > before.deliveredSeq ? 'delivered' : null;
    if (kind) {
      this.events.receiptRecorded({
        orgId: state.orgId,
        conversationId: input.conversationId,
        userId: actor.userId,
        deviceId: actor.deviceId,
        kind,
        seq: kind === 'read' ? after.readSeq : after.deliveredSeq,
        viewer: after,
        memberIds: state.memberIds,
      });
    }
    return after;
  }
}
