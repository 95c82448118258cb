import {
  connect,
  JetStreamClient,
  MsgHdrs,
  NatsConnection,
  NatsError,
  Subscription,
  ErrorCode as NatsErrorCode,
} from 'nats';
import {
  CommandContract,
  ErrorBody,
  ErrorCode,
  EventContract,
  ParleyError,
  parsePayload,
  PayloadOf,
  ReplyOf,
  RequestOf,
  Result,
  Subjects,
  toErrorBody,
} from '@parley/contracts';
import { countError, countEventIn, countEventOut, observeNatsRequest, withCorrelationId } from '@parley/telemetry';
import { correlationHeaders, correlationIdOf, jetStreamHeaders } from './correlation-header';
import { decodeJson, encodeJson } from './json-codec';
import { PublishBatcher } from './publish-batcher';
import { MuxAnswer, RequestMux } from './request-mux';

export interface NatsBusOptions {
  url: string;
  prefix: string;
  /** Shown in `nats server report connections`; the service and node name. */
  name: string;
  requestTimeoutMs: number;
  /** Credentials of this service's NATS user, when the server requires them. */
  user?: string;
  password?: string;
}

export interface BusLogger {
  warn(message: string): void;
  error(message: string): void;
  log(message: string): void;
}

export type CommandHandler<C extends CommandContract> = (request: RequestOf<C>) => Promise<ReplyOf<C>> | ReplyOf<C>;
export type EventHandler<E extends EventContract> = (payload: PayloadOf<E>) => Promise<void> | void;

/**
 * The one place services touch NATS: typed request/reply and events whose subjects
 * and schemas come from the contracts lib. Receivers validate every payload; a bad
 * one is answered with BAD_REQUEST (commands) or dropped with a warning (events),
 * never a crash. Subscriptions survive reconnects (the client re-subscribes).
 */
export class NatsBus {
  private readonly subscriptions: Subscription[] = [];
  private js?: JetStreamClient;
  private readonly requests: RequestMux;
  /** Every request, reply and event sent: those of one event-loop turn leave in one write, in order. */
  private readonly outbox: PublishBatcher;
  /** Command handlers running now, and who waits for them to finish (stopHandling). */
  private handlersInFlight = 0;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    readonly connection: NatsConnection,
    private readonly options: NatsBusOptions,
    private readonly logger: BusLogger,
  ) {
    this.outbox = new PublishBatcher(connection);
    this.requests = new RequestMux(connection, this.outbox);
  }

  static async connect(options: NatsBusOptions, logger: BusLogger): Promise<NatsBus> {
    const connection = await connect({
      servers: options.url.split(','),
      name: options.name,
      ...(options.user ? { user: options.user, pass: options.password } : {}),
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
      pingInterval: 10_000,
      // An Error per request for async stack traces cost ~6% of the gateway's CPU under load.
      noAsyncTraces: true,
    });
    const bus = new NatsBus(connection, options, logger);
    bus.watchStatus();
    return bus;
  }

  get prefix(): string {
    return this.options.prefix;
  }

  get isConnected(): boolean {
    return !this.connection.isClosed() && !this.reconnecting;
  }

  private reconnecting = false;
  private readonly reconnectListeners = new Set<() => void>();

  /** Calls the listener after every reconnect to NATS; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private watchStatus(): void {
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnecting') this.reconnecting = true;
        if (status.type === 'reconnect') {
          this.reconnecting = false;
          this.logger.log(`NATS reconnected to ${String(status.data)}`);
          for (const listener of this.reconnectListeners) listener();
        }
        if (status.type === 'disconnect') this.logger.warn('NATS disconnected; reconnecting');
      }
    })().catch(() => undefined);
  }

  jetstream(): JetStreamClient {
    this.js ??= this.connection.jetstream();
    return this.js;
  }

  /** Sends a command and returns its validated reply; failures arrive as ParleyError. */
  async request<C extends CommandContract>(
    contract: C,
    payload: RequestOf<C>,
    opts: { nodeId?: string; timeoutMs?: number } = {},
  ): Promise<ReplyOf<C>> {
    const subject = Subjects.command(this.prefix, contract, opts.nodeId);
    const started = performance.now();
    const label = commandLabel(contract);
    countEventOut('nats', label);
    let answer: MuxAnswer;
    try {
      answer = await this.requests.request(subject, encodeJson(payload), opts.timeoutMs ?? this.options.requestTimeoutMs, correlationHeaders());
    } catch (err) {
      observeNatsRequest(label, 'unavailable', (performance.now() - started) / 1000);
      throw toTransportError(err, contract.name);
    }
    if (answer.kind !== 'reply') {
      observeNatsRequest(label, 'unavailable', (performance.now() - started) / 1000);
      if (answer.kind === 'no-responders') throw new TransportError(ErrorCode.UNAVAILABLE, `no ${contract.name} handler is available`, 'no-responders');
      throw new TransportError(ErrorCode.UNAVAILABLE, `${contract.name} timed out`, 'timeout');
    }
    const raw = answer.data;
    const result = decodeJson(raw) as Result<unknown> | undefined;
    observeNatsRequest(label, result?.ok === true ? 'ok' : 'error', (performance.now() - started) / 1000);
    if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
      throw new ParleyError(ErrorCode.INTERNAL, `malformed reply to ${contract.name}`);
    }
    if (!result.ok) throw new ParleyError(sanitizeCode(result.error), result.error?.message ?? 'error');
    return contract.reply.parse(result.data) as ReplyOf<C>;
  }

  /** Serves a command. Runs handlers concurrently; replies to every request exactly once. */
  handle<C extends CommandContract>(contract: C, handler: CommandHandler<C>, opts: { nodeId?: string } = {}): void {
    const subject = Subjects.command(this.prefix, contract, opts.nodeId);
    const queue = contract.scope === 'service' ? `${this.prefix}.${contract.service}` : undefined;
    const label = commandLabel(contract);
    const sub = this.connection.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`subscription ${subject} failed: ${err.message}`);
          return;
        }
        countEventIn('nats', label);
        this.handlersInFlight++;
        void withCorrelationId(correlationIdOf(msg), async () => {
          let reply: Result<unknown>;
          try {
            const request = parsePayload(contract.request, decodeJson(msg.data));
            reply = { ok: true, data: await handler(request as RequestOf<C>) };
          } catch (e) {
            if (!(e instanceof ParleyError)) this.logger.error(`${contract.name} failed: ${describe(e)}`);
            reply = { ok: false, error: toErrorBody(e) };
            countError('nats', reply.error.code);
          }
          if (msg.reply) this.outbox.publish(msg.reply, encodeJson(reply), undefined, (e) => this.logger.warn(`could not reply to ${contract.name}: ${describe(e)}`));
          if (--this.handlersInFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
        });
      },
    });
    this.subscriptions.push(sub);
  }

  /**
   * Publishes a fact. Durable events go to the JetStream stream with a message id (deduplicated
   * on republish) and resolve once the stream acknowledged storing them; the publish is a request
   * over the bus's own inbox mux, which is what the client's js.publish() does plus a timer and
   * two Errors per call. Live (non-durable) events resolve at once and leave with the turn's
   * other publishes; one the client refuses (closed connection) is logged, not thrown.
   */
  async publish<E extends EventContract>(contract: E, payload: PayloadOf<E>, opts: { msgId?: string } = {}): Promise<void> {
    const subject = Subjects.event(this.prefix, contract);
    const data = encodeJson(payload);
    countEventOut('nats', contract.name);
    if (!contract.durable) {
      const headers = correlationHeaders();
      // Live events may be lost anyway (no subscriber, a reconnect): a failed publish is only logged.
      this.outbox.publish(subject, data, headers ? { headers } : undefined, (e) => this.logger.warn(`could not publish ${contract.name}: ${describe(e)}`));
      return;
    }
    await this.storeInStream(subject, data, jetStreamHeaders(opts.msgId), contract.name);
  }

  /**
   * Sets a key of a JetStream key-value bucket, as the client's `kv.put()` does (a message on
   * `$KV.<bucket>.<key>`, stored once the bucket's stream acknowledges it), but through the bus's
   * request mux: `kv.put()` is the client's `request()` underneath, with a timer, a deferred and
   * errors per call (~0.2 ms of CPU each here), and a restarted gateway's clients cost the
   * presence service two or three KV writes each. Buckets of this account's own JetStream only.
   */
  async kvPut(bucket: string, key: string, value: Uint8Array): Promise<void> {
    await this.storeInStream(kvSubject(bucket, key), value, jetStreamHeaders(undefined), `kv put ${bucket}`);
  }

  /** Deletes a key as `kv.delete()` does: a delete marker (`KV-Operation: DEL`), so watchers see the deletion. */
  async kvDelete(bucket: string, key: string): Promise<void> {
    await this.storeInStream(kvSubject(bucket, key), new Uint8Array(0), KV_DELETE_HEADERS, `kv delete ${bucket}`);
  }

  /** Publishes to a stream's subject and waits for the stream's acknowledgement (PubAck). */
  private async storeInStream(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, what: string): Promise<void> {
    const answer = await this.requests.request(subject, data, this.options.requestTimeoutMs, headers);
    if (answer.kind !== 'reply') throw new TransportError(ErrorCode.UNAVAILABLE, `JetStream did not acknowledge ${what} (${answer.kind})`, answer.kind);
    const ack = decodeJson(answer.data) as { stream?: unknown; error?: { description?: string } } | undefined;
    if (!ack || ack.error || typeof ack.stream !== 'string' || ack.stream === '') {
      throw new TransportError(ErrorCode.UNAVAILABLE, `JetStream refused ${what}: ${ack?.error?.description ?? 'no stream acknowledged it'}`, 'connection');
    }
  }

  /**
   * Listens to an event live (no replay). With `queue`, one member of the group gets
   * each event. Invalid payloads are logged and dropped.
   */
  subscribe<E extends EventContract>(contract: E, handler: EventHandler<E>, opts: { queue?: string } = {}): void {
    const subject = Subjects.event(this.prefix, contract);
    const sub = this.connection.subscribe(subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return this.logger.error(`subscription ${subject} failed: ${err.message}`);
        countEventIn('nats', contract.name);
        let payload: PayloadOf<E>;
        try {
          payload = parsePayload(contract.payload, decodeJson(msg.data)) as PayloadOf<E>;
        } catch (e) {
          return this.logger.warn(`dropped invalid ${contract.name} event: ${describe(e)}`);
        }
        withCorrelationId(correlationIdOf(msg), () =>
          Promise.resolve()
            .then(() => handler(payload))
            .catch((e) => this.logger.error(`${contract.name} handler failed: ${describe(e)}`)),
        );
      },
    });
    this.subscriptions.push(sub);
  }

  /**
   * Stops taking commands and events (a request sent here from now on gets "no responders"
   * and is retried elsewhere) and resolves once every command already taken has replied,
   * or after timeoutMs. The connection stays open for publishing.
   */
  async stopHandling(timeoutMs = 10_000): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((sub) => sub.drain()));
    if (this.handlersInFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  async flush(): Promise<void> {
    this.outbox.flush();
    await this.connection.flush();
  }

  /** Stops receiving, lets in-flight handlers reply, then closes. */
  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    this.outbox.flush();
    try {
      await this.connection.drain();
    } catch {
      await this.connection.close().catch(() => undefined);
    } finally {
      // Requests still waiting now will get no reply: answer them (timeout) rather than at their deadline.
      this.requests.close();
    }
  }
}

/** A key's subject in a key-value bucket (NATS ADR-8); keys are tokens of `[-/_=.a-zA-Z0-9]`, so none can widen the subject. */
function kvSubject(bucket: string, key: string): string {
  if (!/^[-/_=.a-zA-Z0-9]+$/.test(key) || key.startsWith('.') || key.endsWith('.')) throw new Error(`invalid key-value key ${JSON.stringify(key)}`);
  return `$KV.${bucket}.${key}`;
}

const KV_DELETE_HEADERS = (() => {
  const bytes = new TextEncoder().encode('NATS/1.0\r\nKV-Operation: DEL\r\n\r\n');
  return { encode: () => bytes } as unknown as MsgHdrs;
})();

/** `<service>.<command>` (command names repeat across services, e.g. `ping`): the metrics' label. */
const commandLabels = new WeakMap<CommandContract, string>();
function commandLabel(contract: CommandContract): string {
  let label = commandLabels.get(contract);
  if (label === undefined) commandLabels.set(contract, (label = `${contract.service}.${contract.name}`));
  return label;
}

/**
 * A request that got no reply from any handler. `reason` lets a caller tell a
 * vanished receiver (`no-responders`) from a slow one (`timeout`), e.g. to route
 * around a dead node.
 */
export class TransportError extends ParleyError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly reason: 'no-responders' | 'timeout' | 'payload' | 'connection',
  ) {
    super(code, message);
  }
}

function toTransportError(err: unknown, name: string): TransportError {
  if (err instanceof NatsError) {
    if (err.code === NatsErrorCode.NoResponders) return new TransportError(ErrorCode.UNAVAILABLE, `no ${name} handler is available`, 'no-responders');
    if (err.code === NatsErrorCode.Timeout) return new TransportError(ErrorCode.UNAVAILABLE, `${name} timed out`, 'timeout');
    if (err.code === NatsErrorCode.MaxPayloadExceeded) return new TransportError(ErrorCode.PAYLOAD_TOO_LARGE, 'payload too large', 'payload');
  }
  return new TransportError(ErrorCode.UNAVAILABLE, `${name} failed: NATS unavailable`, 'connection');
}

function sanitizeCode(error: ErrorBody | undefined): ErrorCode {
  const codes = Object.values(ErrorCode) as string[];
  return error && codes.includes(error.code) ? error.code : ErrorCode.INTERNAL;
}

export function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
