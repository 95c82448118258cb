import { Injectable } from '@nestjs/common';
import {
  Actor,
  ChatCommands,
  ChatNodeCommands,
  ConversationCreateInput,
  ConversationListInput,
  ConversationMembersInput,
  HistoryCommands,
  HistoryFetchInput,
  MessageSendInput,
  ReceiptInput,
  ReceiptKind,
  SyncInput,
} from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ChatRouter } from '../routing/chat-router';

/**
 * What a client may ask, whatever the transport (Socket.IO or REST): writes to a
 * conversation go to its owning chat node, creation to any chat node, reads to history.
 */
@Injectable()
export class ChatCommandsService {
  constructor(
    private readonly bus: NatsBus,
    private readonly router: ChatRouter,
  ) {}

  createConversation(actor: Actor, input: ConversationCreateInput) {
    return this.bus.request(ChatCommands.conversationCreate, { actor, input });
  }

  listConversations(actor: Actor, input: ConversationListInput) {
    return this.bus.request(HistoryCommands.conversationList, { actor, input });
  }

  addMembers(actor: Actor, input: ConversationMembersInput) {
    return this.router.send(ChatNodeCommands.membersAdd, input.conversationId, { actor, input });
  }

  removeMembers(actor: Actor, input: ConversationMembersInput) {
    return this.router.send(ChatNodeCommands.membersRemove, input.conversationId, { actor, input });
  }

  sendMessage(actor: Actor, input: MessageSendInput) {
    return this.router.send(ChatNodeCommands.messageSend, input.conversationId, { actor, input });
  }

  fetchHistory(actor: Actor, input: HistoryFetchInput) {
    return this.bus.request(HistoryCommands.messagesFetch, { actor, input });
  }

  recordReceipt(actor: Actor, kind: ReceiptKind, input: ReceiptInput) {
    return this.router.send(ChatNodeCommands.receiptRecord, input.conversationId, { actor, input: { ...input, kind } });
  }

  sync(actor: Actor, input: SyncInput) {
    return this.bus.request(HistoryCommands.sync, { actor, input });
  }
}
