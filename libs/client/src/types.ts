import type { Conversation, Message } from '@parley/contracts';
import type { ParleyClientError } from './errors';
import type { PendingSend } from './outbox';

/**
 * `receipt` event: a member moved its cursor. When `userId` is this user (another of its
 * devices read or received), the event also carries this user's cursors and unread count
 * after the move, so an unread badge can follow without a round trip.
 */
export interface ReceiptEvent {
  conversationId: string;
  userId: string;
  kind: 'delivered' | 'read';
  seq: number;
  readSeq?: number;
  deliveredSeq?: number;
  unread?: number;
}

export interface Presence {
  userId: string;
  status: 'online' | 'offline';
  lastSeenAt: string;
}

export interface TypingEvent {
  conversationId: string;
  userId: string;
  typing: boolean;
}

export interface RedactedEvent {
  conversationId: string;
  seq: number;
}

/**
 * idle: not connected yet. connecting: a handshake is under way. syncing: connected, catching
 * up. ready: connected and caught up. waiting: disconnected, the next attempt is scheduled.
 * closed: close() was called or the server refused this client for good.
 */
export type ConnectionState = 'idle' | 'connecting' | 'syncing' | 'ready' | 'waiting' | 'closed';

export interface ParleyClientEvents {
  /** Each message of each conversation exactly once, in seq order per conversation (own sends included). */
  message: (message: Message) => void;
  receipt: (receipt: ReceiptEvent) => void;
  presence: (presence: Presence) => void;
  typing: (typing: TypingEvent) => void;
  /** `conversation.updated`: created, members changed (with this user's own cursors). */
  conversation: (conversation: Conversation) => void;
  redacted: (redaction: RedactedEvent) => void;
  state: (state: ConnectionState) => void;
  /** A send the server refused for good (also rejects the promise send() returned). */
  sendFailed: (send: PendingSend, error: ParleyClientError) => void;
  /** Something the app should log: a malformed server event, a refused handshake, a throwing listener. */
  error: (error: Error) => void;
}
