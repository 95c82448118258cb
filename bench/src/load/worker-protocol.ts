import type { AckAnswer, ClientSpec } from './bench-client';

/** A stream of sends: `client` (index within the worker) posts to `conversationId`. */
export interface Route {
  client: number;
  conversationId: string;
}

export interface SendPlan {
  routes: Route[];
  /** Messages per second over all routes of this worker (open loop), or 0 for closed loop. */
  rate: number;
  /** Closed loop: sends in flight at most (ignored when `rate` > 0). */
  window: number;
  durationMs: number;
  bodySize: number;
  /** Closed loop only: stop after this many sends per route (before durationMs if sooner). */
  perRoute?: number;
}

export interface SendReport {
  offered: number;
  acked: number;
  errors: number;
  errorCodes: Record<string, number>;
  ackLatencies: number[];
  /** Monotonic ms of the first send and of the last ack. */
  startedAt: number;
  endedAt: number;
  /** Acked clientMsgIds per conversation, when the plan asked for them. */
  acked_ids?: Record<string, string[]>;
}

export interface DeliveryReport {
  /** message.new events from another user, each (device, message) counted once. */
  delivered: number;
  duplicates: number;
  latencies: number[];
  /** Monotonic ms of the last delivery seen. */
  lastAt: number;
}

export interface ConnectReport {
  connected: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
}

export interface FetchRequest {
  client: number;
  conversationId: string;
  beforeSeq?: number;
  limit: number;
}

export interface FetchReport {
  latencies: number[];
  errors: number;
  firstError?: string;
}

export interface ResyncExpectation {
  client: number;
  conversationId: string;
  /** clientMsgIds acked before the outage that history must hold. */
  clientMsgIds: string[];
}

export interface ResyncReport {
  /** Per client: ms from `since` until connected again, or -1 if never. */
  reconnectedAfterMs: number[];
  /** Per client: ms from `since` until connected again and history checked, or -1 if never. */
  syncedAfterMs: number[];
  missing: number;
  /** Failed history.fetch calls (each retried until the timeout). */
  errors: number;
  firstError?: string;
}

/** A client the presence churn may reconnect, and what it must ask again once connected. */
export interface ChurnClient {
  client: number;
  rejoin: { event: string; payload: unknown };
}

export interface ChurnPlan {
  clients: ChurnClient[];
  /** Reconnects started per second over this worker's clients. */
  perSecond: number;
  /** How long a client stays closed before it connects again. */
  offlineMs: number;
  durationMs: number;
  timeoutMs: number;
}

/** A presence change as [userId, online (1) or offline (0), monotonic ms]. */
export type PresenceMark = [string, 0 | 1, number];

export interface ChurnReport {
  /** When each churned user went offline (close) and online (connect started). */
  changes: PresenceMark[];
  /** Per completed reconnect: ms from the connect start until connected and the rejoin acked. */
  reconnectMs: number[];
  failed: number;
  firstError?: string;
  startedAt: number;
  endedAt: number;
}

/** Requests from the bench process to a load-generator process, and what each answers. */
export interface WorkerOps {
  connect: { args: { url: string; clients: ClientSpec[]; concurrency: number; reconnection: boolean; timeoutMs: number }; result: ConnectReport };
  call: { args: { client: number; event: string; payload: unknown }; result: AckAnswer };
  send: { args: SendPlan & { keepIds?: boolean }; result: SendReport };
  takeDeliveries: { args: Record<string, never>; result: DeliveryReport };
  fetch: { args: { requests: FetchRequest[]; concurrency: number }; result: FetchReport };
  resync: { args: { expectations: ResyncExpectation[]; since: number; timeoutMs: number }; result: ResyncReport };
  churn: { args: ChurnPlan; result: ChurnReport };
  /** `presence` events received since the last call, as [subject userId, status, arrival]. */
  takePresence: { args: Record<string, never>; result: PresenceMark[] };
  connectedCount: { args: Record<string, never>; result: number };
  closeAll: { args: Record<string, never>; result: number };
}

export type OpName = keyof WorkerOps;

export interface WorkerRequest<K extends OpName = OpName> {
  id: number;
  op: K;
  args: WorkerOps[K]['args'];
}

export type WorkerAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
