import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, HistoryFetchInput, MessageSendInput, parsePayload } from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { acknowledge } from './ack';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events about messages: validate, call the service, ack. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class MessagesGateway {
  constructor(private readonly chat: ChatCommandsService) {}

  @SubscribeMessage(ClientEvent.MessageSend)
  send(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.MessageSend, () => this.chat.sendMessage(actorOf(socket), parsePayload(MessageSendInput, payload)));
  }

  @SubscribeMessage(ClientEvent.HistoryFetch)
  fetchHistory(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.HistoryFetch, () => this.chat.fetchHistory(actorOf(socket), parsePayload(HistoryFetchInput, payload)));
  }
}
