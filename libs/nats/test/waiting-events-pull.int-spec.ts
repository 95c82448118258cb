import { AckPolicy, nanos } from 'nats';
import { z } from 'zod';
import { event } from '@parley/contracts';
import { connectTestBus, removeTestStream, uniqueNatsPrefix } from '@parley/testing';
import { ensureMessageStream, NatsBus } from '../src';
import { pullWaiting } from '../src/waiting-events-pull';

const Numbered = event('test.numbered', z.object({ n: z.int() }), true);

describe('pulling the events waiting for a durable consumer, on a real JetStream', () => {
  const prefix = uniqueNatsPrefix();
  let bus: NatsBus;
  let stream: string;

  beforeAll(async () => {
    bus = await connectTestBus(prefix, 'pull');
    stream = await ensureMessageStream(bus);
    const jsm = await bus.connection.jetstreamManager();
    await jsm.consumers.add(stream, { durable_name: 'pulled', ack_policy: AckPolicy.Explicit, ack_wait: nanos(60_000) });
  });

  afterAll(async () => {
    await removeTestStream(prefix);
    await bus.close();
  });

  const pull = (max: number) => pullWaiting(bus.connection, stream, 'pulled', max, 2000);

  it('answers at once: nothing when nothing waits, at most max, then the rest', async () => {
    const started = Date.now();
    await expect(pull(10)).resolves.toEqual([]);
    for (let n = 1; n <= 5; n++) await bus.publish(Numbered, { n }, { msgId: `pull-${n}-${prefix}` });
    const first = await pull(3);
    const rest = await pull(10);
    expect(Date.now() - started).toBeLessThan(1000);
    expect([...first, ...rest].map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const m of [...first, ...rest]) m.ack();
  });

  it('takes a redelivered run whole, as one pull', async () => {
    for (let n = 6; n <= 25; n++) await bus.publish(Numbered, { n }, { msgId: `pull-${n}-${prefix}` });
    const taken = await pull(64);
    expect(taken).toHaveLength(20);
    for (const m of taken) m.nak(100);
    await new Promise((r) => setTimeout(r, 300));
    const again = await pull(64);
    expect(again.map((m) => m.seq)).toEqual(taken.map((m) => m.seq));
    expect(again.every((m) => m.info.redeliveryCount === 2 && m.info.pending === 0)).toBe(true);
    for (const m of again) m.ack();
  });

  it('fails, without waiting for its deadline, on a closed connection', async () => {
    const closed = await connectTestBus(prefix, 'pull-closed');
    await closed.close();
    const started = Date.now();
    await expect(pullWaiting(closed.connection, stream, 'pulled', 10, 2000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
