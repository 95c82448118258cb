import { ErrorCode } from 'nats';
import { connectTestBus, uniqueNatsPrefix } from '@parley/testing';
import { NatsBus } from '../src';
import { PublishBatcher } from '../src/publish-batcher';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('PublishBatcher on a real NATS server', () => {
  const prefix = uniqueNatsPrefix();
  let sender: NatsBus;
  let receiver: NatsBus;

  beforeAll(async () => {
    [sender, receiver] = await Promise.all([connectTestBus(prefix, 'sender'), connectTestBus(prefix, 'receiver')]);
  });

  afterAll(async () => {
    await Promise.all([sender.close(), receiver.close()]);
  });

  it('holds a turn’s publishes until the turn ends, then sends them all, in order', async () => {
    const subject = `${prefix}.batcher.order`;
    const seen: number[] = [];
    const allSeen = new Promise<void>((resolve) =>
      receiver.connection.subscribe(subject, {
        callback: (_err, msg) => {
          seen.push(Number(new TextDecoder().decode(msg.data)));
          if (seen.length === 100) resolve();
        },
      }),
    );
    await receiver.flush();
    const batcher = new PublishBatcher(sender.connection);
    const before = sender.connection.stats().outMsgs;
    for (let n = 0; n < 100; n++) batcher.publish(subject, new TextEncoder().encode(String(n)));
    expect(sender.connection.stats().outMsgs).toBe(before);
    await nextTurn();
    expect(sender.connection.stats().outMsgs).toBe(before + 100);
    await allSeen;
    expect(seen).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('hands what the client refuses to the publisher’s failure callback', async () => {
    const closed = await connectTestBus(prefix, 'closed');
    await closed.close();
    const batcher = new PublishBatcher(closed.connection);
    const failure = new Promise<unknown>((resolve) => batcher.publish(`${prefix}.batcher.closed`, new Uint8Array(), undefined, resolve));
    await expect(failure).resolves.toMatchObject({ code: ErrorCode.ConnectionClosed });
  });
});
