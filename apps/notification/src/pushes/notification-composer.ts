import { PushNotification } from '../providers/push-provider';

export interface AlertFacts {
  conversationId: string;
  orgId: string;
  firstSeq: number;
  lastSeq: number;
  /** Messages this alert covers. */
  count: number;
  /** Display names of their senders, newest last. */
  senderNames: readonly string[];
  /** The newest message's start, or null (generic content, or redacted). */
  preview: string | null;
  badge: number;
}

export interface ContentSettings {
  content: 'preview' | 'generic';
  appName: string;
  ttlSeconds: number;
}

/** The longest preview put on a lock screen. */
export const MAX_PREVIEW_LENGTH = 140;

/**
 * Lock-screen text. `preview` shows who wrote and, for a single message, its start;
 * `generic` shows only that something arrived. Bursts read "3 new messages from Ana".
 */
export function composeAlert(facts: AlertFacts, settings: ContentSettings): PushNotification {
  const several = facts.count > 1;
  const names = describeSenders(facts.senderNames);
  const [title, body] =
    settings.content === 'generic'
      ? [settings.appName, several ? `${facts.count} new messages` : 'New message']
      : [names, several ? `${facts.count} new messages from ${names}` : (facts.preview ?? 'New message')];
  return {
    kind: 'alert',
    collapseKey: facts.conversationId,
    badge: facts.badge,
    title,
    body,
    data: {
      type: 'message',
      orgId: facts.orgId,
      conversationId: facts.conversationId,
      firstSeq: String(facts.firstSeq),
      lastSeq: String(facts.lastSeq),
      count: String(facts.count),
    },
    ttlSeconds: settings.ttlSeconds,
  };
}

/** Replaces the conversation's shown notification with nothing and updates the badge. */
export function composeClear(conversationId: string, badge: number, ttlSeconds: number): PushNotification {
  return { kind: 'clear', collapseKey: conversationId, badge, data: { type: 'clear', conversationId }, ttlSeconds };
}

/** A preview never carries more than the lock screen shows. */
export function previewOf(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_PREVIEW_LENGTH ? flat : `${flat.slice(0, MAX_PREVIEW_LENGTH - 1)}…`;
}

/** Newest first: "Ana", "Ana and Bo", "Ana, Bo and 3 others". */
function describeSenders(namesOldestFirst: readonly string[]): string {
  const names = [...namesOldestFirst].reverse();
  if (names.length === 0) return 'Someone';
  if (names.length === 1) return names[0];
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  const others = names.length - 2;
  return `${names[0]}, ${names[1]} and ${others} other${others === 1 ? '' : 's'}`;
}
