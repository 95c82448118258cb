import { DeliveryState, DeviceConversation } from '@parley/contracts';

/** What the message store knows about delivery: asked right before a push is decided. */
export abstract class DeliveryFacts {
  /** Each device's delivered pointer and its user's read cursor; entries whose user left the conversation are missing. */
  abstract deliveryState(orgId: string, entries: readonly DeviceConversation[]): Promise<DeliveryState[]>;
  /** Each user's unread messages over all conversations (the badge). */
  abstract unreadTotals(orgId: string, userIds: readonly string[]): Promise<Record<string, number>>;
}
