import { Actor, ParleyError, Presence, ServerEvent } from '@parley/contracts';
import type { NatsBus } from '@parley/nats';
import type { SocketPush } from '../ws/socket-push';
import { PresenceSubscriptions } from './presence-subscriptions.service';

const ACTOR: Actor = { userId: 'me', orgId: 'org', deviceId: 'phone' };
const online = (userId: string): Presence => ({ userId, status: 'online', lastSeenAt: null });
const offline = (userId: string): Presence => ({ userId, status: 'offline', lastSeenAt: '2026-01-01T00:00:00.000Z' });

/** The presence service's answers, released one at a time by the test. */
class FakeBus {
  readonly asked: Array<{ userIds: string[]; answer: (presences: Presence[], rev: number) => void; fail: (err: Error) => void }> = [];
  request(_contract: unknown, { userIds }: { userIds: string[] }): Promise<{ presences: Presence[]; rev: number }> {
    return new Promise((resolve, reject) => {
      this.asked.push({ userIds, answer: (presences, rev) => resolve({ presences, rev }), fail: reject });
    });
  }
}

function setup(maxPerSocket = 500) {
  const bus = new FakeBus();
  const pushed: Array<{ socketIds: string[]; payload: unknown }> = [];
  const push = { toSockets: (ids: Iterable<string>, _event: ServerEvent, payload: unknown) => pushed.push({ socketIds: [...ids], payload }) };
  const subscriptions = new PresenceSubscriptions(bus as unknown as NatsBus, push as unknown as SocketPush, {
    PRESENCE_MAX_SUBSCRIPTIONS_PER_SOCKET: maxPerSocket,
  });
  return { bus, pushed, subscriptions };
}

describe('PresenceSubscriptions', () => {
  it('answers with a change seen while the presence service was answering, when it is newer', async () => {
    const { bus, subscriptions } = setup();
    subscriptions.socketOpened('s1');
    const answered = subscriptions.subscribe('s1', ACTOR, ['a', 'b', 'c']);
    subscriptions.changed(online('a'), 11); // newer than the answer
    subscriptions.changed(online('b'), 9); // already in the answer
    bus.asked[0].answer([offline('a'), online('b'), offline('c')], 10);
    expect(await answered).toEqual({ presences: [online('a'), online('b'), offline('c')] });
  });

  it('does not use a change seen before the subscribe asked, and keeps changes for a subscribe still waiting', async () => {
    const { bus, subscriptions } = setup();
    subscriptions.socketOpened('s1');
    subscriptions.socketOpened('s2');
    const first = subscriptions.subscribe('s1', ACTOR, ['a']);
    subscriptions.changed(online('a'), 5); // seen while the first waits, before the second asks
    const second = subscriptions.subscribe('s2', ACTOR, ['a', 'b']);
    subscriptions.changed(online('b'), 7);
    bus.asked[0].answer([offline('a')], 4);
    expect(await first).toEqual({ presences: [online('a')] });
    // The second asked after a's change: an answer with an older rev (a reordering) is answered as is.
    bus.asked[1].answer([offline('a'), offline('b')], 3);
    expect(await second).toEqual({ presences: [offline('a'), online('b')] });
  });

  it('forgets the changes once no subscribe waits', async () => {
    const { bus, subscriptions } = setup();
    subscriptions.socketOpened('s1');
    const first = subscriptions.subscribe('s1', ACTOR, ['a']);
    subscriptions.changed(online('a'), 5);
    bus.asked[0].answer([offline('a')], 4);
    await first;
    const second = subscriptions.subscribe('s1', ACTOR, ['a']);
    bus.asked[1].answer([offline('a')], 2);
    expect(await second).toEqual({ presences: [offline('a')] });
  });

  it('delivers changes to the following sockets only, until they unsubscribe or close', async () => {
    const { bus, pushed, subscriptions } = setup();
    for (const id of ['s1', 's2', 's3']) subscriptions.socketOpened(id);
    const done = ['s1', 's2', 's3'].map((id) => subscriptions.subscribe(id, ACTOR, id === 's3' ? ['b'] : ['a']));
    bus.asked.forEach((asked) => asked.answer([], 0));
    await Promise.all(done);

    subscriptions.changed(online('a'), 1);
    subscriptions.unsubscribe('s1', ['a']);
    subscriptions.changed(offline('a'), 2);
    subscriptions.socketClosed('s2');
    subscriptions.changed(online('a'), 3);
    expect(pushed).toEqual([
      { socketIds: ['s1', 's2'], payload: online('a') },
      { socketIds: ['s2'], payload: offline('a') },
    ]);
  });

  it('refuses to follow more users per socket than the cap, counting subscribes completed meanwhile', async () => {
    const { bus, subscriptions } = setup(3);
    subscriptions.socketOpened('s1');
    await expect(subscriptions.subscribe('s1', ACTOR, ['a', 'b', 'c', 'd'])).rejects.toBeInstanceOf(ParleyError);
    const first = subscriptions.subscribe('s1', ACTOR, ['a', 'b']);
    const second = subscriptions.subscribe('s1', ACTOR, ['c', 'd']);
    bus.asked[0].answer([], 0);
    await first;
    bus.asked[1].answer([], 0);
    await expect(second).rejects.toBeInstanceOf(ParleyError);
  });

  it('passes a failed query on and stops waiting for it', async () => {
    const { bus, subscriptions } = setup();
    subscriptions.socketOpened('s1');
    const failed = subscriptions.subscribe('s1', ACTOR, ['a']);
    bus.asked[0].fail(new Error('timed out'));
    await expect(failed).rejects.toThrow('timed out');
    subscriptions.changed(online('a'), 1);
    const next = subscriptions.subscribe('s1', ACTOR, ['a']);
    bus.asked[1].answer([offline('a')], 0);
    expect(await next).toEqual({ presences: [offline('a')] });
  });
});
