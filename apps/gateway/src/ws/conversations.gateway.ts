import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  ClientEvent,
  ConversationCreateInput,
  ConversationListInput,
  ConversationMembersInput,
  parsePayload,
} from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { acknowledge } from './ack';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events about conversations: validate, call the service, ack. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class ConversationsGateway {
  constructor(private readonly chat: ChatCommandsService) {}

  @SubscribeMessage(ClientEvent.ConversationCreate)
  create(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ConversationCreate, () =>
      this.chat.createConversation(actorOf(socket), parsePayload(ConversationCreateInput, payload)),
    );
  }

  @SubscribeMessage(ClientEvent.ConversationList)
  list(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ConversationList, () =>
      // No payload at all means "no options": `socket.emit('conversation.list', ack)`.
      this.chat.listConversations(actorOf(socket), parsePayload(ConversationListInput, payload ?? {})),
    );
  }

  @SubscribeMessage(ClientEvent.ConversationMembersAdd)
  addMembers(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ConversationMembersAdd, () =>
      this.chat.addMembers(actorOf(socket), parsePayload(ConversationMembersInput, payload)),
    );
  }

  @SubscribeMessage(ClientEvent.ConversationMembersRemove)
  removeMembers(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ConversationMembersRemove, () =>
      this.chat.removeMembers(actorOf(socket), parsePayload(ConversationMembersInput, payload)),
    );
  }
}
