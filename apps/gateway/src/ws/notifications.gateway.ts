import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, ConversationMuteInput, parsePayload } from '@parley/contracts';
import { NotificationCommandsService } from '../commands/notification-commands.service';
import { acknowledge } from './ack';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events of push notifications (an extension of the contract, docs/notifications.md). */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class NotificationsGateway {
  constructor(private readonly notifications: NotificationCommandsService) {}

  @SubscribeMessage(ClientEvent.ConversationMute)
  mute(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ConversationMute, () => this.notifications.mute(actorOf(socket), parsePayload(ConversationMuteInput, payload)));
  }
}
