import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, nanos } from 'nats';
import { EventContract, parsePayload, PayloadOf, Subjects } from '@parley/contracts';
import { ensureMessageStream } from './message-stream';
import { BusLogger, describe, EventHandler, NatsBus } from './nats-bus';
import { decodeJson } from './json-codec';
import { pullWaiting } from './waiting-events-pull';

/** One durable event and what to do with it: one at a time, or (durable readers) a run of them at once. */
export interface EventBinding {
  readonly contract: EventContract;
  readonly handler?: EventHandler<EventContract>;
  readonly batchHandler?: (payloads: unknown[]) => Promise<void>;
}

export function on<E extends EventContract>(contract: E, handler: EventHandler<E>): EventBinding {
  return { contract, handler: handler as EventHandler<EventContract> };
}

/**
 * Like `on`, but a durable reader hands over every event of this kind that is already
 * waiting (consecutive in the stream, up to its `maxBatch`) in one call: one database
 * statement and one commit for many events. The call succeeds or fails as a whole.
 */
export function onBatch<E extends EventContract>(contract: E, handler: (payloads: PayloadOf<E>[]) => Promise<void>): EventBinding {
  return { contract, batchHandler: handler as (payloads: unknown[]) => Promise<void> };
}

type Outcome = 'handled' | 'ignored' | 'invalid' | 'failed';

/** Routes stream messages to their binding by subject, validating each payload. */
class EventDispatcher {
  private readonly bySubject: Map<string, EventBinding>;

  constructor(
    prefix: string,
    bindings: readonly EventBinding[],
    private readonly logger: BusLogger,
  ) {
    for (const { contract } of bindings) {
      if (!contract.durable) throw new Error(`${contract.name} is not a durable event: it never reaches the stream`);
    }
    this.bySubject = new Map(bindings.map((b) => [Subjects.event(prefix, b.contract), b]));
  }

  /**
   * What the consumer asks the server for: one subject, or the whole stream when there
   * are several (several filter subjects need nats-server 2.10; events nobody bound
   * are then skipped here).
   */
  filterSubject(prefix: string): string {
    return this.bySubject.size === 1 ? [...this.bySubject.keys()][0] : Subjects.durableEvents(prefix);
  }

  async dispatch(msg: JsMsg): Promise<Outcome> {
    const decoded = this.decode(msg);
    if (decoded === 'ignored' || decoded === 'invalid') return decoded;
    return this.handle(decoded.binding, [decoded.payload], [msg]);
  }

  /**
   * Handles messages in stream order, giving each run of consecutive events of a batch
   * binding to its batch handler at once. Answers each message's outcome.
   */
  async dispatchBatch(msgs: readonly JsMsg[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(msgs.length);
    let run: { binding: EventBinding; payloads: unknown[]; indexes: number[] } | null = null;
    const flush = async () => {
      if (!run) return;
      const outcome = await this.handle(run.binding, run.payloads, run.indexes.map((i) => msgs[i]));
      for (const i of run.indexes) outcomes[i] = outcome;
      run = null;
    };
    for (let i = 0; i < msgs.length; i++) {
      const decoded = this.decode(msgs[i]);
      if (decoded === 'ignored' || decoded === 'invalid') {
        outcomes[i] = decoded;
        continue;
      }
      if (!decoded.binding.batchHandler) {
        await flush();
        outcomes[i] = await this.handle(decoded.binding, [decoded.payload], [msgs[i]]);
        continue;
      }
      if (run && run.binding !== decoded.binding) await flush();
      run ??= { binding: decoded.binding, payloads: [], indexes: [] };
      run.payloads.push(decoded.payload);
      run.indexes.push(i);
    }
    await flush();
    return outcomes;
  }

  private decode(msg: JsMsg): { binding: EventBinding; payload: unknown } | 'ignored' | 'invalid' {
    const binding = this.bySubject.get(msg.subject);
    if (!binding) return 'ignored';
    try {
      return { binding, payload: parsePayload(binding.contract.payload, decodeJson(msg.data)) };
    } catch (err) {
      this.logger.warn(`dropped invalid ${binding.contract.name} event (stream seq ${msg.seq}): ${describe(err)}`);
      return 'invalid';
    }
  }

  private async handle(binding: EventBinding, payloads: unknown[], msgs: readonly JsMsg[]): Promise<Outcome> {
    try {
      if (binding.batchHandler) await binding.batchHandler(payloads);
      else for (const payload of payloads) await binding.handler!(payload);
      return 'handled';
    } catch (err) {
      const seqs = msgs.length === 1 ? `stream seq ${msgs[0].seq}` : `stream seqs ${msgs[0].seq}..${msgs[msgs.length - 1].seq}`;
      this.logger.error(`${binding.contract.name} handler failed (${seqs}, delivery ${msgs[0].info.redeliveryCount}): ${describe(err)}`);
      return 'failed';
    }
  }
}

/**
 * A running reader of the message stream. Its lag is reported for every consumer of the
 * stream by `reportConsumerLag`, not per reader.
 */
export interface StreamReader {
  stop(): Promise<void>;
}

/** A consumer's messages being handled, and the end of that handling. */
interface Run {
  messages: ConsumerMessages;
  done: Promise<void>;
}

/**
 * Handles messages one at a time in stream order until the reader stops. What arrived but
 * was not handled yet is left on stop: the follower reads it again from its last seq.
 */
function run(messages: ConsumerMessages, handle: (msg: JsMsg) => Promise<void>, logger: BusLogger): Run {
  const done = (async () => {
    try {
      for await (const msg of messages) {
        try {
          await handle(msg);
        } catch (err) {
          logger.error(`stream reader failed to handle an event: ${describe(err)}`);
        }
      }
    } catch (err) {
      logger.error(`stream reader stopped: ${describe(err)}`);
    }
  })();
  return { messages, done };
}

/** Stops taking messages and waits for those being handled. */
async function halt(running: Run | null): Promise<void> {
  await running?.messages.close();
  await running?.done;
}

const FOLLOWER_RETRY_FIRST_MS = 100;
const FOLLOWER_RETRY_MAX_MS = 2000;

/** Delays of a reader that its stop ends at once: the one under way and any later one. */
class InterruptibleDelay {
  private stopped = false;
  private interrupt: () => void = () => undefined;

  wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  stop(): void {
    this.stopped = true;
    this.interrupt();
  }
}

/**
 * Follows the stream live from now on, in stream order, with no state on the server
 * (ordered consumers). Unlike a plain subscription it loses nothing across a NATS
 * reconnect: it remembers the last stream seq it handled and, after a reconnect,
 * reads again from the next one, trying again until JetStream answers (it may come back
 * later than the connection). For readers that serve whoever is connected right now,
 * like a gateway's fan-out.
 */
export async function followStream(bus: NatsBus, bindings: readonly EventBinding[], logger: BusLogger): Promise<StreamReader> {
  const dispatcher = new EventDispatcher(bus.prefix, bindings, logger);
  const stream = await ensureMessageStream(bus);
  const jsm = await bus.connection.jetstreamManager();
  let lastSeq = (await jsm.streams.info(stream)).state.last_seq;
  let current: Run | null = null;
  let stopped = false;

  const open = async () => {
    const consumer = await bus.jetstream().consumers.get(stream, {
      filterSubjects: dispatcher.filterSubject(bus.prefix),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: lastSeq + 1,
    });
    current = run(
      await consumer.consume(),
      async (msg) => {
        // A consumer being replaced may still hand over what its successor also reads.
        if (msg.seq <= lastSeq) return;
        lastSeq = msg.seq;
        await dispatcher.dispatch(msg);
      },
      logger,
    );
  };
  const retry = new InterruptibleDelay();
  // JetStream may answer only a while after the connection is back (a restarted server
  // recovering its streams, a cluster electing the stream's leader): keep trying.
  const reopen = async () => {
    const previous = current;
    current = null;
    await previous?.messages.close();
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await open();
        if (attempt > 1) logger.log(`stream follower resumed after ${attempt} tries`);
        return;
      } catch (err) {
        if (attempt === 1) logger.error(`stream follower could not resume, trying again: ${describe(err)}`);
        await retry.wait(Math.min(FOLLOWER_RETRY_MAX_MS, FOLLOWER_RETRY_FIRST_MS * 2 ** (attempt - 1)));
      }
    }
  };
  let reopening = Promise.resolve();
  const stopListening = bus.onReconnect(() => {
    reopening = reopening.then(reopen).catch((err) => logger.error(`stream follower could not resume: ${describe(err)}`));
  });
  await open();
  return {
    async stop() {
      stopped = true;
      stopListening();
      retry.stop();
      await reopening;
      const last = current;
      current = null;
      await halt(last);
    },
  };
}

export interface DurableReaderOptions {
  /** The consumer's durable name: one per role (every replica of a service shares it). */
  name: string;
  bindings: readonly EventBinding[];
  /** Where a consumer that does not exist yet starts: only new events, or everything the stream holds. */
  startAt?: 'new' | 'all';
  /** A handler that neither acked nor failed within this time gets the event again. */
  ackWaitMs?: number;
  /** Deliveries of one event at most; after that it is logged and skipped. */
  maxDeliver?: number;
  /** Events handed out and not yet acknowledged, at most. */
  maxAckPending?: number;
  /** Events already waiting that `onBatch` bindings get in one call, at most (default 200). */
  maxBatch?: number;
  /**
   * How long the reader waits before asking again after it found less than a full batch
   * waiting (default 100 ms): how late it may learn of an event, traded for fewer, bigger
   * batches (see consumeDurable).
   */
  pollIntervalMs?: number;
}

/** Delay before a failed event is delivered again: doubling, capped. */
export function redeliveryDelayMs(deliveries: number): number {
  return Math.min(30_000, 250 * 2 ** Math.max(0, deliveries - 1));
}

/**
 * Reads the stream through a durable consumer: the server keeps this reader's pointer,
 * so after a restart or an outage it resumes exactly where it stopped, and replicas
 * sharing the name split the work. An event is acknowledged only after its handler
 * succeeded; a failure is retried with a growing delay while the events after it go
 * on (one failing event does not stall the reader, so order holds only between events
 * that succeed first time). At-least-once: handlers must be idempotent, e.g. keyed by
 * the message id. An invalid payload is dropped at once.
 *
 * It is for readers that may learn of an event a little late (pushes due seconds later,
 * not live delivery): it asks for what waits every `pollIntervalMs` instead of being sent
 * each event as it arrives, so under load it takes hundreds of events per request, handles
 * them with one statement and acknowledges them in one write, where a pushed consumer costs
 * a wake-up, a statement and an ack per event.
 */
export async function consumeDurable(bus: NatsBus, options: DurableReaderOptions, logger: BusLogger): Promise<StreamReader> {
  const dispatcher = new EventDispatcher(bus.prefix, options.bindings, logger);
  const stream = await ensureMessageStream(bus);
  const jsm = await bus.connection.jetstreamManager();
  const maxDeliver = options.maxDeliver ?? 10;
  const config = {
    durable_name: options.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: options.startAt === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
    filter_subject: dispatcher.filterSubject(bus.prefix),
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_deliver: maxDeliver,
    max_ack_pending: options.maxAckPending ?? 1000,
  };
  const existing = await jsm.consumers.info(stream, options.name).catch(() => null);
  if (existing) {
    // The start position is fixed at creation; everything else follows the code.
    await jsm.consumers.update(stream, options.name, {
      filter_subject: config.filter_subject,
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
    });
  } else {
    await jsm.consumers.add(stream, config);
  }
  const settle = (msg: JsMsg, outcome: Outcome) => {
    if (outcome === 'handled' || outcome === 'ignored') msg.ack();
    else if (outcome === 'invalid') msg.term();
    else if (msg.info.redeliveryCount < maxDeliver) msg.nak(redeliveryDelayMs(msg.info.redeliveryCount));
    else {
      logger.error(`giving up on stream seq ${msg.seq} after ${maxDeliver} deliveries`);
      msg.term();
    }
  };
  const maxBatch = options.maxBatch ?? 200;
  return poll(
    () => pullWaiting(bus.connection, stream, options.name, maxBatch, PULL_DEADLINE_MS),
    async (msgs) => {
      const outcomes = await dispatcher.dispatchBatch(msgs);
      msgs.forEach((msg, i) => settle(msg, outcomes[i]));
    },
    { maxBatch, intervalMs: options.pollIntervalMs ?? 100 },
    logger,
  );
}

/**
 * A pull answers at once (see pullWaiting); past this, the request or its answer was lost
 * with the connection.
 */
const PULL_DEADLINE_MS = 2000;

/**
 * Takes what waits and handles it, again at once while full batches come, otherwise after
 * `intervalMs`: a busy stream is read in batches of `maxBatch`, a quiet one costs a request
 * per interval. On stop the batch in hand is finished; the rest stays with the server.
 */
function poll(fetch: () => Promise<JsMsg[]>, handle: (msgs: JsMsg[]) => Promise<void>, options: { maxBatch: number; intervalMs: number }, logger: BusLogger): StreamReader {
  let stopped = false;
  const pause = new InterruptibleDelay();
  let failing = false;
  const done = (async () => {
    while (!stopped) {
      let taken = 0;
      try {
        const msgs = await fetch();
        if (failing) logger.log('durable stream reader takes events again');
        failing = false;
        taken = msgs.length;
        if (taken > 0) await handle(msgs);
      } catch (err) {
        // Once per outage, not once per interval.
        if (!failing) logger.error(`durable stream reader cannot take events (trying again every ${options.intervalMs} ms): ${describe(err)}`);
        failing = true;
      }
      if (taken < options.maxBatch && !stopped) await pause.wait(options.intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      pause.stop();
      await done;
    },
  };
}
