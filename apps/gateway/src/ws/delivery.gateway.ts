import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, parsePayload, ReceiptInput, SyncInput } from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { acknowledge } from './ack';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events of the delivery guarantees: receipts and device sync. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class DeliveryGateway {
  constructor(private readonly chat: ChatCommandsService) {}

  @SubscribeMessage(ClientEvent.ReceiptDelivered)
  delivered(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ReceiptDelivered, () =>
      this.chat.recordReceipt(actorOf(socket), 'delivered', parsePayload(ReceiptInput, payload)),
    );
  }

  @SubscribeMessage(ClientEvent.ReceiptRead)
  read(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.ReceiptRead, () => this.chat.recordReceipt(actorOf(socket), 'read', parsePayload(ReceiptInput, payload)));
  }

  @SubscribeMessage(ClientEvent.Sync)
  sync(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    // No payload means "from this device's own pointers": `socket.emit('sync', ack)`.
    return acknowledge(ClientEvent.Sync, () => this.chat.sync(actorOf(socket), parsePayload(SyncInput, payload ?? {})));
  }
}
