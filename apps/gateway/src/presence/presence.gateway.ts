import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ClientEvent, parsePayload, PresenceSubscribeInput, PresenceUnsubscribeInput, TypingInput, TypingReported } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { acknowledge } from '../ws/ack';
import { SOCKET_GATEWAY_OPTIONS } from '../ws/socket-gateway-options';
import { actorOf, SessionSocket } from '../ws/socket-session';
import { PresenceSubscriptions } from './presence-subscriptions.service';

type PresenceSocket = SessionSocket & { id: string };

/** Socket.IO events of presence: follow users, stop following, report typing. */
@WebSocketGateway(SOCKET_GATEWAY_OPTIONS)
export class PresenceGateway {
  private readonly logger = new Logger(PresenceGateway.name);

  constructor(
    private readonly subscriptions: PresenceSubscriptions,
    private readonly bus: NatsBus,
  ) {}

  @SubscribeMessage(ClientEvent.PresenceSubscribe)
  subscribe(@ConnectedSocket() socket: PresenceSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.PresenceSubscribe, () =>
      this.subscriptions.subscribe(socket.id, actorOf(socket), parsePayload(PresenceSubscribeInput, payload).userIds),
    );
  }

  @SubscribeMessage(ClientEvent.PresenceUnsubscribe)
  unsubscribe(@ConnectedSocket() socket: PresenceSocket, @MessageBody() payload: unknown) {
    return acknowledge(ClientEvent.PresenceUnsubscribe, () =>
      this.subscriptions.unsubscribe(socket.id, parsePayload(PresenceUnsubscribeInput, payload).userIds),
    );
  }

  /** No ack (client contract): a bad payload is dropped; membership and throttling are the presence service's. */
  @SubscribeMessage(ClientEvent.Typing)
  typing(@ConnectedSocket() socket: PresenceSocket, @MessageBody() payload: unknown): void {
    const parsed = TypingInput.safeParse(payload);
    if (!parsed.success) return;
    this.bus.publish(TypingReported, { actor: actorOf(socket), input: parsed.data }).catch((err: unknown) => {
      this.logger.debug(`typing not forwarded: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
}
