import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, HistoryFetchInput, MessageSendInput, parsePayload } from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { acknowledge } from './ack';
import { ListeningSocket, onClientEvent } from './lean-io.adapter';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events about messages: validate, call the service, ack. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class MessagesGateway implements OnGatewayConnection {
  constructor(private readonly chat: ChatCommandsService) {}

  /**
   * `message.send` is the hottest event: it is bound here, outside Nest's per-event execution
   * context (parameter pipes, interceptor chain, exception proxy; ~15% of the gateway's
   * allocations under load), none of which it uses. The socket middleware (telemetry, the
   * guard's expiry check and rate limits) still runs before it, as before every event.
   */
  handleConnection(socket: ListeningSocket & SessionSocket): void {
    onClientEvent(socket, ClientEvent.MessageSend, (payload) => this.send(socket, payload));
  }

  send(socket: SessionSocket, payload: unknown) {
    return acknowledge(ClientEvent.MessageSend, () => this.chat.sendMessage(actorOf(socket), parsePayload(MessageSendInput, payload)));
  }

  @SubscribeMessage(ClientEvent.HistoryFetch)
  fetchHistory(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.HistoryFetch, () => this.chat.fetchHistory(actorOf(socket), parsePayload(HistoryFetchInput, payload)));
  }
}
