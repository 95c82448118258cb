import { Conversation, ConversationChanged, PayloadOf, ViewerState } from '@parley/contracts';

type ConversationChange = PayloadOf<typeof ConversationChanged>;

/** A conversation as stored, with every member's own cursors. */
export interface ConversationSnapshot {
  conversation: ConversationChange['conversation'];
  viewerState: Record<string, ViewerState>;
}

const NOTHING_SEEN: ViewerState = { readSeq: 0, deliveredSeq: 0, unread: 0 };

/** The conversation as one user sees it (a user no longer a member sees it with zero cursors). */
export function viewFor(snapshot: ConversationSnapshot, userId: string): Conversation {
  return { ...snapshot.conversation, ...(snapshot.viewerState[userId] ?? NOTHING_SEEN) };
}

export function changeOf(snapshot: ConversationSnapshot, removedIds: string[] = []): ConversationChange {
  return { conversation: snapshot.conversation, viewerState: snapshot.viewerState, removedIds };
}
