import type { ErrorBody, Message } from '@parley/contracts';

/**
 * Light structural checks of what the server sends. The SDK depends on the contracts' types
 * only (no zod at runtime), so it checks exactly the fields its bookkeeping relies on and
 * drops anything else as a protocol error instead of corrupting its cursors.
 */
export type AckEnvelope<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function isMessage(value: unknown): value is Message {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.conversationId === 'string' &&
    isSeq(value.seq) &&
    typeof value.senderId === 'string' &&
    typeof value.clientMsgId === 'string'
  );
}

export function isAckEnvelope(value: unknown): value is AckEnvelope<unknown> {
  if (!isRecord(value)) return false;
  if (value.ok === true) return 'data' in value;
  return value.ok === false && isRecord(value.error) && typeof value.error.code === 'string' && typeof value.error.message === 'string';
}

export function isRecordWith<K extends string>(value: unknown, ...keys: K[]): value is Record<K, unknown> {
  return isRecord(value) && keys.every((k) => k in value);
}

export interface SyncUpdate {
  conversationId: string;
  messages: Message[];
  hasMore: boolean;
}

export interface SyncAnswer {
  updates: SyncUpdate[];
  hasMore?: boolean;
}

export function isSyncAnswer(value: unknown): value is SyncAnswer {
  if (!isRecord(value) || !Array.isArray(value.updates)) return false;
  return value.updates.every(
    (u) => isRecord(u) && typeof u.conversationId === 'string' && Array.isArray(u.messages) && u.messages.every(isMessage) && typeof u.hasMore === 'boolean',
  );
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

export function isHistoryPage(value: unknown): value is HistoryPage {
  return isRecord(value) && Array.isArray(value.messages) && value.messages.every(isMessage) && typeof value.hasMore === 'boolean';
}
