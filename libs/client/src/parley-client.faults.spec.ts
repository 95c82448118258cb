import fc from 'fast-check';
import type { Message } from '@parley/contracts';
import { FakeGateway } from '../test/fake-gateway';
import { ParleyClient } from './parley-client';

type Op =
  | { kind: 'store'; conversationId: string; dropPush: boolean }
  | { kind: 'send'; conversationId: string; loseAck: boolean }
  | { kind: 'cut'; refuse: number }
  | { kind: 'restart' }
  | { kind: 'wait'; ms: number };

const conversation = fc.constantFrom('c1', 'c2');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('store' as const), conversationId: conversation, dropPush: fc.boolean() }),
  fc.record({ kind: fc.constant('send' as const), conversationId: conversation, loseAck: fc.boolean() }),
  fc.record({ kind: fc.constant('cut' as const), refuse: fc.integer({ min: 0, max: 2 }) }),
  fc.constant({ kind: 'restart' as const }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 15 }) }),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The client under random faults against the in-memory gateway: lost pushes, lost acks, cut
 * connections, refused reconnects, and app restarts that keep cursors and unsent messages as
 * the README says. Whatever happens, the app ends up with each conversation's history exactly
 * once and in order, and every send is stored once.
 */
describe('ParleyClient under random faults (property)', () => {
  it('hands the app exactly the history, once, in order, and stores every send once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const gateway = new FakeGateway();
        gateway.conversation('c1', ['ana', 'ben']);
        gateway.conversation('c2', ['ana', 'ben']);
        const received: Message[] = [];
        const sends: Array<Promise<Message>> = [];
        const acked = new Set<string>();
        const track = (p: Promise<Message>) => {
          const settled = p.then((m) => (acked.add(m.clientMsgId), m));
          settled.catch(() => undefined); // a send handed over at a restart rejects with CLOSED
          sends.push(settled);
        };
        const open = (cursors?: Record<string, number>) => {
          const c = new ParleyClient({
            url: 'http://fake',
            token: 'ana',
            deviceId: 'phone',
            cursors,
            socketFactory: gateway.factory,
            requestTimeoutMs: 40,
            receiptDelayMs: 5,
            gapFillDelayMs: 5,
            resyncIntervalMs: 30,
            backoff: { baseMs: 2, maxMs: 10 },
          });
          c.on('message', (m) => received.push(m));
          void c.connect().catch(() => undefined);
          return c;
        };
        let client = open();
        let n = 0;
        try {
          for (const step of ops) {
            switch (step.kind) {
              case 'store':
                if (step.dropPush) gateway.dropPushes.add(gateway.messages.get(step.conversationId)!.length + 1);
                gateway.store(step.conversationId, 'ben', `from ben ${n++}`);
                gateway.dropPushes.clear();
                break;
              case 'send':
                if (step.loseAck) gateway.swallowSendAcks = 1;
                track(client.send(step.conversationId, `from ana ${n}`, { clientMsgId: `k${n++}` }));
                break;
              case 'cut':
                gateway.refuseConnections = step.refuse;
                gateway.sockets.at(-1)?.cut();
                break;
              case 'restart': {
                // What the README asks of an app: keep the cursors and what was not sent yet.
                const cursors = client.cursors();
                const unsent = client.close();
                client = open(cursors);
                for (const p of unsent) track(client.send(p.conversationId, p.body, { clientMsgId: p.clientMsgId }));
                break;
              }
              case 'wait':
                await sleep(step.ms);
                break;
            }
          }
          gateway.refuseConnections = 0;
          gateway.swallowSendAcks = 0;
          // Promises of sends handed over at a restart reject with CLOSED; the resend carries on.
          await Promise.allSettled(sends);
          const deadline = Date.now() + 3000;
          const caughtUp = () => ['c1', 'c2'].every((id) => (client.cursor(id) ?? 0) === gateway.messages.get(id)!.length);
          while (!caughtUp() && Date.now() < deadline) await sleep(5);
          for (const id of ['c1', 'c2']) {
            expect(received.filter((m) => m.conversationId === id).map((m) => m.seq)).toEqual(gateway.messages.get(id)!.map((m) => m.seq));
          }
          const anaSends = ops.filter((o) => o.kind === 'send').length;
          const stored = [...gateway.messages.values()].flat().filter((m) => m.senderId === 'ana');
          expect(stored).toHaveLength(anaSends);
          expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(anaSends);
          expect(acked.size).toBe(anaSends); // every send resolved, in the run that sent it or the next
          expect(client.pendingSends()).toEqual([]);
        } finally {
          client.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
