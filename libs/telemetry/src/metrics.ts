import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Parley metric, in one registry served at /metrics. One process runs one service,
 * so the metrics are module singletons: defined once, whichever modules use them.
 * docs/deploy.md ("Metrics") says what each one means.
 */
export const metricsRegistry = new Registry();

export type Transport = 'socket' | 'nats';
/** Where an error reply left the process: to a Socket.IO client, an HTTP client, or a NATS requester. */
export type ErrorSurface = 'socket' | 'http' | 'nats';

const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const socketConnections = new Gauge({
  name: 'parley_socket_connections',
  help: 'Open Socket.IO connections on this gateway.',
  registers: [metricsRegistry],
});

const eventsIn = new Counter({
  name: 'parley_events_in_total',
  help: 'Events received: client events over Socket.IO, commands and events over NATS.',
  labelNames: ['transport', 'event'] as const,
  registers: [metricsRegistry],
});

const eventsOut = new Counter({
  name: 'parley_events_out_total',
  help: 'Events sent: server events emitted to Socket.IO rooms, commands requested and events published over NATS.',
  labelNames: ['transport', 'event'] as const,
  registers: [metricsRegistry],
});

const messageSendDuration = new Histogram({
  name: 'parley_message_send_duration_seconds',
  help: 'message.send at the gateway, from the client frame to the ack (stored, sequenced, acked).',
  labelNames: ['outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

const natsRequestDuration = new Histogram({
  name: 'parley_nats_request_duration_seconds',
  help: 'NATS request/reply round trips made by this process, by command and outcome (ok, error reply, unavailable).',
  labelNames: ['command', 'outcome'] as const,
  buckets: FAST_BUCKETS,
  registers: [metricsRegistry],
});

const dbQueryDuration = new Histogram({
  name: 'parley_db_query_duration_seconds',
  help: 'SQL statements, by database (directory or physical shard id) and outcome.',
  labelNames: ['database', 'outcome'] as const,
  buckets: FAST_BUCKETS,
  registers: [metricsRegistry],
});

const errors = new Counter({
  name: 'parley_errors_total',
  help: 'Error replies by contract error code and where they went (socket ack, HTTP response, NATS reply).',
  labelNames: ['surface', 'code'] as const,
  registers: [metricsRegistry],
});

export const draining = new Gauge({
  name: 'parley_draining',
  help: '1 while this process drains before it stops (gateway: clients told to reconnect; chat: left the ring).',
  registers: [metricsRegistry],
});

export interface ConsumerLag {
  stream: string;
  consumer: string;
  /** Messages of the stream the consumer has not been delivered yet. */
  pending: number;
  /** Delivered but not acknowledged. */
  ackPending: number;
}

/** Reads the lag of durable consumers when Prometheus scrapes; registered by the process that watches them. */
export type ConsumerLagSource = () => Promise<ConsumerLag[]>;
const lagSources = new Set<ConsumerLagSource>();

const consumerPending = new Gauge({
  name: 'parley_jetstream_consumer_pending',
  help: 'Messages in the JetStream stream not yet delivered to a durable consumer (its lag).',
  labelNames: ['stream', 'consumer'] as const,
  registers: [metricsRegistry],
  async collect() {
    await collectLag();
  },
});

const consumerAckPending = new Gauge({
  name: 'parley_jetstream_consumer_ack_pending',
  help: 'Messages delivered to a durable consumer and not acknowledged yet.',
  labelNames: ['stream', 'consumer'] as const,
  registers: [metricsRegistry],
});

async function collectLag(): Promise<void> {
  consumerPending.reset();
  consumerAckPending.reset();
  const results = await Promise.allSettled([...lagSources].map((source) => source()));
  for (const result of results) {
    if (result.status !== 'fulfilled') continue;
    for (const lag of result.value) {
      consumerPending.set({ stream: lag.stream, consumer: lag.consumer }, lag.pending);
      consumerAckPending.set({ stream: lag.stream, consumer: lag.consumer }, lag.ackPending);
    }
  }
}

export function addConsumerLagSource(source: ConsumerLagSource): () => void {
  lagSources.add(source);
  return () => lagSources.delete(source);
}

/*
 * Hot-path helpers: prom-client hashes label values on every call, so each labelled child
 * is looked up once per distinct label set and kept.
 */
function cached<K, V>(make: (key: K) => V): (key: K) => V {
  const children = new Map<K, V>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(key)));
    return child;
  };
}

const inSocket = cached((event: string) => eventsIn.labels('socket', event));
const inNats = cached((event: string) => eventsIn.labels('nats', event));
const outSocket = cached((event: string) => eventsOut.labels('socket', event));
const outNats = cached((event: string) => eventsOut.labels('nats', event));
const natsRequest = cached((key: string) => {
  const [command, outcome] = key.split('|');
  return natsRequestDuration.labels(command, outcome);
});
const dbQuery = cached((key: string) => {
  const [database, outcome] = key.split('|');
  return dbQueryDuration.labels(database, outcome);
});
const errorCount = cached((key: string) => {
  const [surface, code] = key.split('|');
  return errors.labels(surface, code);
});

export function countEventIn(transport: Transport, event: string): void {
  (transport === 'socket' ? inSocket : inNats)(event).inc();
}

export function countEventOut(transport: Transport, event: string): void {
  (transport === 'socket' ? outSocket : outNats)(event).inc();
}

const sendOk = messageSendDuration.labels('ok');
const sendError = messageSendDuration.labels('error');

export function observeMessageSend(outcome: 'ok' | 'error', seconds: number): void {
  (outcome === 'ok' ? sendOk : sendError).observe(seconds);
}

export function observeNatsRequest(command: string, outcome: 'ok' | 'error' | 'unavailable', seconds: number): void {
  natsRequest(`${command}|${outcome}`).observe(seconds);
}

export function observeDbQuery(database: string, outcome: 'ok' | 'error', seconds: number): void {
  dbQuery(`${database}|${outcome}`).observe(seconds);
}

export function countError(surface: ErrorSurface, code: string): void {
  errorCount(`${surface}|${code}`).inc();
}

const pushes = new Counter({
  name: 'parley_pushes_total',
  help: 'Notification decisions and push outcomes, by platform, kind (alert, clear) and outcome: sent, delivered (the device had it, no push), gone (registration removed), retry, rejected, given_up.',
  labelNames: ['platform', 'kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export type PushOutcomeLabel = 'sent' | 'delivered' | 'gone' | 'retry' | 'rejected' | 'given_up';

export function countPush(platform: string, kind: 'alert' | 'clear', outcome: PushOutcomeLabel): void {
  pushes.labels(platform, kind, outcome).inc();
}

let defaultsStarted = false;

/** Names the service on every series and adds the process metrics (CPU, memory, event loop lag, GC). */
export function startProcessMetrics(service: string): void {
  metricsRegistry.setDefaultLabels({ service });
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry });
}
