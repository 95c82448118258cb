export { ParleyClient, type ParleyClientOptions } from './parley-client';
export { ParleyClientError, isAuthExpiry, isRetryable, type ClientErrorCode } from './errors';
export type { PendingSend } from './outbox';
export type { BackoffOptions } from './backoff';
export type { ClientSocket, SocketFactory, SocketOpenOptions } from './socket';
export { openSocketIo } from './socket';
export { systemClock, type Clock } from './clock';
export type { ConnectionState, ParleyClientEvents, Presence, ReceiptEvent, RedactedEvent, TypingEvent } from './types';
export type { HistoryPage } from './payload-guards';
