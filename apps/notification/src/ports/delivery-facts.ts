import { PushCandidate, UnseenMessages } from '@parley/contracts';

/** What the message store knows about delivery: asked right before a push is decided. */
export abstract class DeliveryFacts {
  /** Each candidate's unseen messages; candidates whose user left the conversation are missing. */
  abstract unseenMessages(orgId: string, candidates: readonly PushCandidate[], withPreview: boolean): Promise<UnseenMessages[]>;
  /** Each user's unread messages over all conversations (the badge). */
  abstract unreadTotals(orgId: string, userIds: readonly string[]): Promise<Record<string, number>>;
}
