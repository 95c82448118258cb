import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { NatsBus } from '@parley/nats';
import { draining } from '@parley/telemetry';
import { ChatEventsPublisher } from '../events/chat-events.publisher';
import { ConversationSequencer } from '../messages/conversation-sequencer';
import { NodeHeartbeatService } from './node-heartbeat.service';

/**
 * Requests the gateways sent before they heard `leaving` are still on their way (one NATS
 * hop, well under a millisecond here); this covers them with a wide margin.
 */
const LEAVE_SETTLE_MS = 500;

/**
 * A chat node's SIGTERM, in the order that loses no send: leave the ring (gateways route
 * new sends to the next owner), take the requests already on their way, stop taking
 * commands and let those in flight commit and reply, then publish their events. Only then
 * do NATS and the databases close (their modules' shutdown hooks).
 */
@Injectable()
export class NodeShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(NodeShutdown.name);

  constructor(
    private readonly heartbeat: NodeHeartbeatService,
    private readonly bus: NatsBus,
    private readonly sequencer: ConversationSequencer,
    private readonly publisher: ChatEventsPublisher,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    draining.set(1);
    const started = Date.now();
    await this.heartbeat.leave();
    await new Promise((resolve) => setTimeout(resolve, LEAVE_SETTLE_MS));
    await this.bus.stopHandling();
    await this.sequencer.whenIdle();
    await this.publisher.stop();
    this.logger.log(`left the ring and drained in ${Date.now() - started} ms`);
  }
}
