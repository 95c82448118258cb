import { z } from 'zod';
import fc from 'fast-check';
import { command, ErrorCode, event, ParleyError, Subjects } from '@parley/contracts';
import { connectTestBus, eventually, removeTestStream, uniqueNatsPrefix } from '@parley/testing';
import { ensureMessageStream, NatsBus } from '../src';

const Echo = command('chat', 'test.echo', z.strictObject({ text: z.string().max(10) }), z.object({ text: z.string() }));
const Boom = command('chat', 'test.boom', z.object({}), z.object({}));
const Fact = event('test.fact', z.object({ n: z.int() }), true);

describe('NatsBus on a real NATS server', () => {
  const prefix = uniqueNatsPrefix();
  let server: NatsBus;
  let client: NatsBus;

  beforeAll(async () => {
    server = await connectTestBus(prefix, 'server');
    client = await connectTestBus(prefix, 'client');
    server.handle(Echo, ({ text }) => ({ text: text.toUpperCase() }));
    server.handle(Boom, () => {
      throw new Error('secret internals');
    });
    await server.flush();
  });

  afterAll(async () => {
    await removeTestStream(prefix);
    await Promise.all([server.close(), client.close()]);
  });

  it('carries a validated request and reply', async () => {
    await expect(client.request(Echo, { text: 'hi' })).resolves.toEqual({ text: 'HI' });
  });

  it('answers an invalid payload with BAD_REQUEST and keeps serving', async () => {
    await expect(client.request(Echo, { text: 'far too long text' })).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    await expect(client.request(Echo, { text: 'ok' })).resolves.toEqual({ text: 'OK' });
  });

  it('hides internal failures behind INTERNAL', async () => {
    const err = await client.request(Boom, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({ code: ErrorCode.INTERNAL });
    expect((err as Error).message).not.toMatch(/secret/);
  });

  it('reports a command nobody serves as UNAVAILABLE', async () => {
    const nobody = command('history', 'test.nobody', z.object({}), z.object({}));
    await expect(client.request(nobody, {})).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('answers arbitrary bytes with a contract error, never a crash', async () => {
    const subject = Subjects.command(prefix, Echo);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const reply = await client.connection.request(subject, bytes, { timeout: 2000 });
        const body = JSON.parse(new TextDecoder().decode(reply.data));
        if (!body.ok) expect(body.error.code).toBe(ErrorCode.BAD_REQUEST);
      }),
      { numRuns: 100 },
    );
    await expect(client.request(Echo, { text: 'alive' })).resolves.toEqual({ text: 'ALIVE' });
  });

  it('stores a durable event once when it is republished with the same message id', async () => {
    const stream = await ensureMessageStream(server);
    await client.publish(Fact, { n: 1 }, { msgId: 'fact-1' });
    await client.publish(Fact, { n: 1 }, { msgId: 'fact-1' });
    await client.publish(Fact, { n: 2 }, { msgId: 'fact-2' });
    const jsm = await client.connection.jetstreamManager();
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(2);
  });

  it('drops invalid events and delivers valid ones', async () => {
    const seen: number[] = [];
    server.subscribe(Fact, ({ n }) => void seen.push(n));
    await server.flush();
    client.connection.publish(Subjects.event(prefix, Fact), new TextEncoder().encode('{"n":"not a number"}'));
    await client.publish(Fact, { n: 7 }, { msgId: 'fact-7' });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([7]);
  });

  it('writes and deletes key-value keys as the client\'s kv does: readers and watchers see both', async () => {
    const bucket = `${prefix.replace(/[^a-zA-Z0-9_-]/g, '_')}_kvtest`;
    const kv = await server.jetstream().views.kv(bucket, { history: 1 });
    try {
      const seen: string[] = [];
      const watch = await kv.watch({ key: 'k.>' });
      const watching = (async () => {
        for await (const entry of watch) seen.push(`${entry.operation} ${entry.key} ${entry.string()}`);
      })();
      // The bucket keeps one value per key, so a watcher that falls behind (its ordered consumer
      // may restart on a loaded machine) only sees the latest: each write waits until it was seen.
      const seenSoon = (entry: string) => eventually(() => seen.includes(entry), `watcher saw ${entry}`);
      await client.kvPut(bucket, 'k.a', new TextEncoder().encode('one'));
      await seenSoon('PUT k.a one');
      await client.kvPut(bucket, 'k.a', new TextEncoder().encode('two'));
      expect((await kv.get('k.a'))?.string()).toBe('two');
      await seenSoon('PUT k.a two');
      await client.kvDelete(bucket, 'k.a');
      expect((await kv.get('k.a'))?.operation).toBe('DEL');
      await seenSoon('DEL k.a ');
      await expect(client.kvPut(bucket, 'k.b > x', new Uint8Array(0))).rejects.toThrow(/invalid key-value key/);
      await expect(client.kvPut(`${bucket}_missing`, 'k.c', new Uint8Array(0))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      await new Promise((r) => setTimeout(r, 200));
      watch.stop();
      await watching;
      expect(seen).toEqual(['PUT k.a one', 'PUT k.a two', 'DEL k.a ']);
    } finally {
      await kv.destroy();
    }
  });
});
