import { z } from 'zod';
import { event, Subjects } from '@parley/contracts';
import { connectTestBus, DrippingProxy, eventually, removeTestStream, TEST_NATS_URL, uniqueNatsPrefix } from '@parley/testing';
import { BusLogger, consumeDurable, ensureMessageStream, followStream, NatsBus, on, onBatch, redeliveryDelayMs, StreamReader } from '../src';

const Numbered = event('test.numbered', z.object({ n: z.int() }), true);
const Other = event('test.other', z.object({ s: z.string() }), true);
const Dripped = event('test.dripped', z.object({ n: z.int() }), true);

const logger = (lines: string[]): BusLogger => ({ log: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) });


describe('stream readers on a real JetStream', () => {
  const prefix = uniqueNatsPrefix();
  let bus: NatsBus;
  const readers: StreamReader[] = [];
  /** What a test opened besides readers, closed after them. */
  const closers: (() => Promise<void>)[] = [];
  const publish = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) await bus.publish(Numbered, { n }, { msgId: `n-${n}-${prefix}` });
  };

  beforeAll(async () => {
    bus = await connectTestBus(prefix, 'stream-readers');
    await ensureMessageStream(bus);
  });

  afterAll(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    for (const close of closers) await close();
    await removeTestStream(prefix);
    await bus.close();
  });

  it('follows live events in stream order and drops invalid ones without stopping', async () => {
    const seen: number[] = [];
    const others: string[] = [];
    const lines: string[] = [];
    readers.push(await followStream(bus, [on(Numbered, ({ n }) => void seen.push(n)), on(Other, ({ s }) => void others.push(s))], logger(lines)));
    await bus.jetstream().publish(Subjects.event(prefix, Numbered), new TextEncoder().encode('{"n":"not a number"}'));
    await publish(1, 50);
    await bus.publish(Other, { s: 'x' }, { msgId: `other-${prefix}` });
    await eventually(() => seen.length === 50 && others.length === 1);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(lines.some((l) => l.includes('dropped invalid test.numbered'))).toBe(true);
  });

  it('loses nothing across a reconnect of the follower, where a plain subscription misses events', async () => {
    const follower = await connectTestBus(prefix, 'follower');
    const followed: number[] = [];
    const subscribed: number[] = [];
    const reader = await followStream(follower, [on(Numbered, ({ n }) => void (n >= 1000 && followed.push(n)))], logger([]));
    follower.subscribe(Numbered, ({ n }) => void (n >= 1000 && subscribed.push(n)));
    await follower.flush();
    const reconnecting = follower.connection.reconnect();
    await publish(1000, 1199);
    await reconnecting;
    await eventually(() => followed.length === 200, 'all 200 events', 10_000);
    expect(followed).toEqual(Array.from({ length: 200 }, (_, i) => 1000 + i));
    // What the follower is for: the live subscription missed what was published while it reconnected.
    expect(subscribed.length).toBeLessThan(200);
    await reader.stop();
    await follower.close();
  });

  it('refuses an event that never reaches the stream', async () => {
    const live = event('test.live', z.object({}));
    await expect(consumeDurable(bus, { name: 'nope', bindings: [on(live, () => undefined)] }, logger([]))).rejects.toThrow('not a durable event');
  });

  it('resumes a durable reader exactly where it stopped: nothing missed, nothing twice', async () => {
    const seen: number[] = [];
    const options = { name: 'resume', bindings: [on(Numbered, ({ n }: { n: number }) => void (n > 100 && seen.push(n)))] };
    const first = await consumeDurable(bus, options, logger([]));
    await publish(101, 110);
    await eventually(() => seen.length === 10);
    await first.stop();
    // Published while nobody reads.
    await publish(111, 125);
    const second = await consumeDurable(bus, options, logger([]));
    readers.push(second);
    await eventually(() => seen.length === 25);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 101 + i));
    const info = await (await bus.connection.jetstreamManager()).consumers.info(Subjects.streamName(prefix), 'resume');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });

  it('redelivers an event whose handler failed, without holding back the events after it', async () => {
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const lines: string[] = [];
    readers.push(
      await consumeDurable(
        bus,
        {
          name: 'retry',
          bindings: [
            on(Numbered, ({ n }) => {
              if (n < 200) return;
              attempts.set(n, (attempts.get(n) ?? 0) + 1);
              if (n === 202 && attempts.get(n)! < 3) throw new Error('provider down');
              handled.push(n);
            }),
          ],
        },
        logger(lines),
      ),
    );
    await publish(200, 204);
    await eventually(() => handled.length === 5);
    expect(handled).toEqual([200, 201, 203, 204, 202]);
    expect(attempts.get(202)).toBe(3);
    expect(lines.filter((l) => l.includes('handler failed'))).toHaveLength(2);
  });

  it('lets replicas sharing a durable name split the events, each handled once', async () => {
    const byReplica: number[][] = [[], []];
    for (const replica of [0, 1]) {
      readers.push(
        await consumeDurable(
          bus,
          { name: 'shared', bindings: [on(Numbered, async ({ n }) => void (n >= 300 && byReplica[replica].push(n)))] },
          logger([]),
        ),
      );
    }
    await publish(300, 499);
    await eventually(() => byReplica[0].length + byReplica[1].length === 200);
    await new Promise((r) => setTimeout(r, 300));
    const all = [...byReplica[0], ...byReplica[1]].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => 300 + i));
  });

  it('starts a new durable reader at new events, or at the beginning of the stream when asked', async () => {
    const fromNew: number[] = [];
    const fromAll: number[] = [];
    readers.push(await consumeDurable(bus, { name: 'from-new', bindings: [on(Numbered, ({ n }) => void fromNew.push(n))] }, logger([])));
    readers.push(await consumeDurable(bus, { name: 'from-all', startAt: 'all', bindings: [on(Numbered, ({ n }) => void fromAll.push(n))] }, logger([])));
    await publish(600, 600);
    await eventually(() => fromNew.includes(600) && fromAll.includes(600));
    expect(fromNew).toEqual([600]);
    expect(fromAll[0]).toBe(1);
  });

  it('hands waiting events to a batch binding in runs, in stream order, split where another kind comes between', async () => {
    const batches: number[][] = [];
    const others: string[] = [];
    const order: string[] = [];
    let failOnce = true;
    // Everything is published before the reader starts, so it finds a backlog waiting.
    await publish(700, 899);
    await bus.publish(Other, { s: 'between' }, { msgId: `between-${prefix}` });
    await publish(900, 949);
    readers.push(
      await consumeDurable(
        bus,
        {
          name: 'batched',
          startAt: 'all',
          maxBatch: 64,
          bindings: [
            onBatch(Numbered, async (events) => {
              const ns = events.map((e) => e.n).filter((n) => n >= 700 && n < 950);
              if (ns.includes(920) && failOnce) {
                failOnce = false;
                throw new Error('database down');
              }
              if (ns.length) batches.push(ns);
              order.push(...ns.map(String));
            }),
            on(Other, ({ s }) => {
              if (s === 'between') {
                others.push(s);
                order.push(s);
              }
            }),
          ],
        },
        logger([]),
      ),
    );
    // Generous: the reader works through the whole stream from its start, and the failed run waits for its redelivery.
    await eventually(() => batches.flat().length >= 250, 'all 250 events', 30_000);
    const handled = batches.flat();
    // The failed run came again whole: every event handled once after it succeeded.
    expect([...new Set(handled)].sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => 700 + i));
    expect(handled).toHaveLength(250);
    expect(Math.max(...batches.map((b) => b.length))).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(64);
    expect(order.indexOf('between')).toBe(order.indexOf('899') + 1);
  });

  it('takes a burst that arrived between two polls in full batches, not event by event', async () => {
    const batches: number[][] = [];
    readers.push(
      await consumeDurable(
        bus,
        {
          name: 'polled',
          maxBatch: 100,
          pollIntervalMs: 1000,
          bindings: [onBatch(Numbered, async (events) => void batches.push(events.map((e) => e.n).filter((n) => n >= 1000 && n < 1250)))],
        },
        logger([]),
      ),
    );
    // The reader found nothing and waits a second; the burst is published meanwhile.
    await Promise.all(Array.from({ length: 250 }, (_, i) => bus.publish(Numbered, { n: 1000 + i }, { msgId: `burst-${i}-${prefix}` })));
    await eventually(() => batches.flat().length === 250, 'the burst', 10_000);
    expect(batches.flat()).toEqual(Array.from({ length: 250 }, (_, i) => 1000 + i));
    expect(batches.filter((b) => b.length > 0).map((b) => b.length)).toEqual([100, 100, 50]);
  });

  it('goes on taking events after its NATS connection was lost and came back', async () => {
    const reading = await connectTestBus(prefix, 'durable-reconnect');
    const seen: number[] = [];
    const reader = await consumeDurable(
      reading,
      { name: 'reconnecting', pollIntervalMs: 50, bindings: [on(Numbered, ({ n }) => void (n >= 1300 && seen.push(n)))] },
      logger([]),
    );
    await publish(1300, 1309);
    await eventually(() => seen.length === 10);
    await reading.connection.reconnect();
    await publish(1310, 1319);
    await eventually(() => seen.length === 20, 'the events after the reconnect', 10_000);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => 1300 + i));
    await reader.stop();
    await reading.close();
  });

  it('takes a failed run again whole when its redelivery reaches the reader over many socket reads', async () => {
    // Redelivered events all say no new event is pending; nats.js's fetch stopped at the
    // first of them that arrived alone and dropped the rest until ack_wait.
    const nats = new URL(TEST_NATS_URL);
    const proxy = await DrippingProxy.start({ host: nats.hostname, port: Number(nats.port) }, 64);
    const reading = await NatsBus.connect({ url: proxy.url, prefix, name: 'dripped', requestTimeoutMs: 5000 }, logger([]));
    closers.push(() => reading.close(), () => proxy.stop());
    // Its own kind of event, all waiting before the reader starts: the first pull takes the 20 as one run.
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publish(Dripped, { n: i }, { msgId: `dripped-${i}-${prefix}` })));
    const handled: number[] = [];
    let failedRun: number[] = [];
    readers.push(
      await consumeDurable(
        reading,
        {
          name: 'dripped',
          startAt: 'all',
          ackWaitMs: 120_000,
          bindings: [
            onBatch(Dripped, async (events) => {
              if (!failedRun.length) {
                failedRun = events.map((e) => e.n);
                throw new Error('database down');
              }
              handled.push(...events.map((e) => e.n));
            }),
          ],
        },
        logger([]),
      ),
    );
    await eventually(() => handled.length >= 20, 'all 20 events, well before ack_wait', 15_000);
    expect(failedRun).toHaveLength(20);
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('backs off redeliveries, doubling up to a cap', () => {
    expect([1, 2, 3, 4].map(redeliveryDelayMs)).toEqual([250, 500, 1000, 2000]);
    expect(redeliveryDelayMs(50)).toBe(30_000);
  });
});
