import { Actor, Presence, TypingNotice } from '@parley/contracts';

/** What is remembered of a user across restarts of the presence service. */
export interface OnlineRecord {
  userId: string;
  orgId: string;
  /** When the current online period began. */
  since: string;
}

export interface SeenRecord {
  orgId: string;
  lastSeenAt: string;
}

/** Durable memory of who is online and when users were last seen (see PresenceKvStore). */
export abstract class PresenceStore {
  abstract markOnline(record: OnlineRecord): void;
  abstract markOffline(userId: string, seen: SeenRecord): void;
  abstract lastSeen(userId: string): Promise<SeenRecord | null>;
  abstract loadOnline(): Promise<OnlineRecord[]>;
}

/** Where presence and typing changes go (the gateways, through NATS). */
export abstract class PresenceNotifier {
  abstract presenceChanged(presence: Presence, rev: number): void;
  abstract typingChanged(notice: TypingNotice, recipientIds: string[]): void;
}

/** The members of a conversation, or null when the actor is not one of them. */
export abstract class ConversationMembers {
  abstract membersOf(actor: Actor, conversationId: string): Promise<readonly string[] | null>;
}

/** Which org a user belongs to, for users this service has not seen connect. */
export abstract class UserDirectory {
  abstract belongsTo(orgId: string, userId: string): Promise<boolean>;
}
