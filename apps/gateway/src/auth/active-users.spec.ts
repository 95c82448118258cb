import { DirectoryCommands, ErrorCode, MAX_ACTIVE_CHECKS, RequestOf } from '@parley/contracts';
import { NatsBus, TransportError } from '@parley/nats';
import { ActiveUsers, MIN_REQUEST_INTERVAL_MS } from './active-users';

type Ask = RequestOf<typeof DirectoryCommands.usersActive>['users'];

/** The directory as the gateway sees it, answering each request when the test says so. */
class Directory {
  readonly active = new Set<string>();
  readonly asked: Ask[] = [];
  private readonly waiting: Array<() => void> = [];
  failWith?: Error;
  readonly bus = {
    request: (_contract: unknown, { users }: { users: Ask }) => {
      this.asked.push(users);
      return new Promise((resolve, reject) =>
        this.waiting.push(() => (this.failWith ? reject(this.failWith) : resolve({ activeUserIds: users.filter((u) => u.orgId === 'o1' && this.active.has(u.userId)).map((u) => u.userId) }))),
      );
    },
  } as unknown as NatsBus;

  /** Answers every request under way, then lets the gateway send what queued meanwhile. */
  async answerAll(): Promise<void> {
    for (const answer of this.waiting.splice(0)) answer();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const outcome = (check: Promise<void>) =>
  check.then(
    () => 'active',
    (err: { code?: string }) => err.code ?? String(err),
  );
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ActiveUsers', () => {
  let directory: Directory;
  let users: ActiveUsers;

  beforeEach(() => {
    // The interval between requests runs on the fake clock; turns of the event loop stay real.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    directory = new Directory();
    users = new ActiveUsers(directory.bus);
  });

  afterEach(() => jest.useRealTimers());

  it('asks the directory about concurrent checks together, one user once, at most two requests at a time', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `u_${i}`);
    ids.filter((_, i) => i % 7 !== 0).forEach((id) => directory.active.add(id));
    const checks = [...ids, ...ids.slice(0, 10)].map((id) => outcome(users.requireActive('o1', id)));
    await turn();
    expect(directory.asked.map((batch) => batch.length)).toEqual([MAX_ACTIVE_CHECKS, MAX_ACTIVE_CHECKS]);
    await directory.answerAll();
    expect(directory.asked.map((batch) => batch.length)).toEqual([MAX_ACTIVE_CHECKS, MAX_ACTIVE_CHECKS, 500]);
    await directory.answerAll();
    const results = await Promise.all(checks);
    expect(results).toEqual([...ids, ...ids.slice(0, 10)].map((id) => (Number(id.slice(2)) % 7 === 0 ? ErrorCode.UNAUTHORIZED : 'active')));
    // The answers are cached: nothing more is asked.
    await users.requireActive('o1', 'u_1');
    expect(directory.asked).toHaveLength(3);
  });

  it('refuses a user of another org, and one deactivated while its check was under way', async () => {
    directory.active.add('u_ana').add('u_bo');
    const ana = outcome(users.requireActive('o1', 'u_ana'));
    const bo = outcome(users.requireActive('o2', 'u_bo'));
    await turn();
    users.markDeactivated('u_ana');
    await directory.answerAll();
    expect([await ana, await bo]).toEqual([ErrorCode.UNAUTHORIZED, ErrorCode.UNAUTHORIZED]);
    expect(users.isKnownActive('u_ana')).toBe(false);
  });

  it('refuses a cached user at once after its deactivation', async () => {
    directory.active.add('u_ana');
    const first = outcome(users.requireActive('o1', 'u_ana'));
    await turn();
    await directory.answerAll();
    expect(await first).toBe('active');
    users.markDeactivated('u_ana');
    expect(await outcome(users.requireActive('o1', 'u_ana'))).toBe(ErrorCode.UNAUTHORIZED);
    expect(directory.asked).toHaveLength(1);
  });

  it('fails every check of a request that failed, and asks again for the next ones', async () => {
    directory.active.add('u_ana');
    directory.failWith = new TransportError(ErrorCode.UNAVAILABLE, 'no chat node answered', 'no-responders');
    const failed = [outcome(users.requireActive('o1', 'u_ana')), outcome(users.requireActive('o1', 'u_bo'))];
    await turn();
    await directory.answerAll();
    expect(await Promise.all(failed)).toEqual([ErrorCode.UNAVAILABLE, ErrorCode.UNAVAILABLE]);
    directory.failWith = undefined;
    const again = outcome(users.requireActive('o1', 'u_ana'));
    jest.advanceTimersByTime(MIN_REQUEST_INTERVAL_MS);
    await directory.answerAll();
    expect(await again).toBe('active');
  });

  it('sends the checks arriving a few per turn, as after a restart, one request per interval; a check after a quiet spell at once', async () => {
    ['u_0', 'u_1', 'u_2', 'u_3', 'u_4', 'u_5'].forEach((id) => directory.active.add(id));
    const first = outcome(users.requireActive('o1', 'u_0'));
    await turn();
    await directory.answerAll();
    expect(await first).toBe('active');
    const later: Array<Promise<string>> = [];
    for (const id of ['u_1', 'u_2', 'u_3', 'u_4']) {
      later.push(outcome(users.requireActive('o1', id)));
      await turn();
      jest.advanceTimersByTime(MIN_REQUEST_INTERVAL_MS / 5);
    }
    expect(directory.asked).toHaveLength(1);
    jest.advanceTimersByTime(MIN_REQUEST_INTERVAL_MS);
    expect(directory.asked.map((batch) => batch.map((u) => u.userId))).toEqual([['u_0'], ['u_1', 'u_2', 'u_3', 'u_4']]);
    await directory.answerAll();
    expect(await Promise.all(later)).toEqual(['active', 'active', 'active', 'active']);
    jest.advanceTimersByTime(MIN_REQUEST_INTERVAL_MS);
    const quiet = outcome(users.requireActive('o1', 'u_5'));
    await turn();
    expect(directory.asked).toHaveLength(3);
    await directory.answerAll();
    expect(await quiet).toBe('active');
  });

  it('does not hold a full batch for the interval', async () => {
    void users.requireActive('o1', 'u_first').catch(() => undefined);
    await turn();
    const ids = Array.from({ length: MAX_ACTIVE_CHECKS }, (_, i) => `u_${i}`);
    ids.forEach((id) => void users.requireActive('o1', id).catch(() => undefined));
    await turn();
    expect(directory.asked.map((batch) => batch.length)).toEqual([1, MAX_ACTIVE_CHECKS]);
  });
});
