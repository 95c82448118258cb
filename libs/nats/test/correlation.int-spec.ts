import { z } from 'zod';
import { command, event } from '@parley/contracts';
import { currentCorrelationId, withCorrelationId } from '@parley/telemetry';
import { connectTestBus, uniqueNatsPrefix } from '@parley/testing';
import { NatsBus } from '../src';

const Hop = command('chat', 'test.hop', z.object({}), z.object({ seen: z.string().optional(), next: z.string().optional() }));
const Last = command('history', 'test.last', z.object({}), z.object({ seen: z.string().optional() }));
const Noted = event('test.noted', z.object({}));

describe('correlation ids across NATS hops', () => {
  const prefix = uniqueNatsPrefix();
  let a: NatsBus;
  let b: NatsBus;
  let c: NatsBus;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([connectTestBus(prefix, 'a'), connectTestBus(prefix, 'b'), connectTestBus(prefix, 'c')]);
    // b handles Hop by asking c: the id must reach c through b without b passing it on by hand.
    b.handle(Hop, async () => ({ seen: currentCorrelationId(), next: (await b.request(Last, {})).seen }));
    c.handle(Last, () => ({ seen: currentCorrelationId() }));
    await Promise.all([b.flush(), c.flush()]);
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('carries the caller id through every request hop', async () => {
    const reply = await withCorrelationId('corr-1', () => a.request(Hop, {}));
    expect(reply).toEqual({ seen: 'corr-1', next: 'corr-1' });
  });

  it('sends no id when the caller has none', async () => {
    expect(await a.request(Hop, {})).toEqual({});
  });

  it('carries the id to event subscribers', async () => {
    const seen = new Promise<string | undefined>((resolve) => c.subscribe(Noted, () => resolve(currentCorrelationId())));
    await c.flush();
    await withCorrelationId('corr-2', () => a.publish(Noted, {}));
    await expect(seen).resolves.toBe('corr-2');
  });
});
