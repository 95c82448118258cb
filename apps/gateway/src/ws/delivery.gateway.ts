import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, parsePayload, ReceiptInput, ReceiptKind, SyncInput } from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { acknowledge } from './ack';
import { ListeningSocket, onClientEvent } from './lean-io.adapter';
import { SOCKET_GATEWAY_OPTIONS } from './socket-gateway-options';
import { actorOf, SessionSocket } from './socket-session';

/** Socket.IO events of the delivery guarantees: receipts and device sync. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class DeliveryGateway implements OnGatewayConnection {
  constructor(private readonly chat: ChatCommandsService) {}

  /** Receipts follow every delivered message, so they skip Nest's per-event context as `message.send` does (see MessagesGateway). */
  handleConnection(socket: ListeningSocket & SessionSocket): void {
    onClientEvent(socket, ClientEvent.ReceiptDelivered, (payload) => this.receipt(socket, 'delivered', payload));
    onClientEvent(socket, ClientEvent.ReceiptRead, (payload) => this.receipt(socket, 'read', payload));
  }

  receipt(socket: SessionSocket, kind: ReceiptKind, payload: unknown) {
    const event = kind === 'delivered' ? ClientEvent.ReceiptDelivered : ClientEvent.ReceiptRead;
    return acknowledge(event, () => this.chat.recordReceipt(actorOf(socket), kind, parsePayload(ReceiptInput, payload)));
  }

  @SubscribeMessage(ClientEvent.Sync)
  sync(@ConnectedSocket() socket: SessionSocket, @MessageBody() payload: unknown) {
    // No payload means "from this device's own pointers": `socket.emit('sync', ack)`.
    return acknowledge(ClientEvent.Sync, () => this.chat.sync(actorOf(socket), parsePayload(SyncInput, payload ?? {})));
  }
}
