import { DirectoryCommands, RequestOf } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { loadConfig } from '@parley/config';
import { ActiveUsers } from '../auth/active-users';
import { GatewayConfigSchema } from '../gateway.config';
import { RateLimits } from '../limits/rate-limits';
import { GuardedSocket, SocketEventGuard } from './socket-event-guard';
import { SocketSession } from './socket-session';

/** The directory as the gateway sees it: users and whether they are deactivated. */
class Directory {
  readonly deactivated = new Set<string>();
  asks = 0;
  readonly bus = {
    request: async (_contract: unknown, { users }: RequestOf<typeof DirectoryCommands.usersActive>) => {
      this.asks++;
      return { activeUserIds: users.map((u) => u.userId).filter((id) => !this.deactivated.has(id)) };
    },
  } as unknown as NatsBus;
}

class FakeSocket implements GuardedSocket {
  readonly id = 's1';
  disconnected = false;
  private middleware?: (packet: unknown[], next: (err?: Error) => void) => void;

  constructor(readonly data: SocketSession) {}

  use(middleware: (packet: unknown[], next: (err?: Error) => void) => void): void {
    this.middleware = middleware;
  }

  disconnect(): void {
    this.disconnected = true;
  }

  /** Sends an event; resolves with 'passed' or the ack the guard answered. */
  emit(event: string): Promise<unknown> {
    return new Promise((resolve) => this.middleware!([event, {}, (ack: unknown) => resolve(ack)], () => resolve('passed')));
  }
}

describe('SocketEventGuard', () => {
  const config = loadConfig(GatewayConfigSchema, { RATE_LIMIT_SEND_CONNECTION: '1:2', RATE_LIMIT_SEND_USER: 'off' });
  const session = (over: Partial<SocketSession> = {}): SocketSession => ({
    userId: 'u_ana',
    orgId: 'o1x1_org',
    deviceId: 'phone',
    connectedAt: '',
    expiresAtMs: Date.now() + 60_000,
    ...over,
  });
  let directory: Directory;
  let users: ActiveUsers;
  let limits: RateLimits;
  let guard: SocketEventGuard;

  beforeEach(() => {
    directory = new Directory();
    users = new ActiveUsers(directory.bus);
    limits = new RateLimits(config);
    guard = new SocketEventGuard(limits, users);
  });

  afterEach(() => limits.onModuleDestroy());

  it('lets an active user within its limits through, asking the directory once per cache period', async () => {
    const socket = new FakeSocket(session());
    guard.attach(socket);
    expect(await socket.emit('history.fetch')).toBe('passed');
    expect(await socket.emit('history.fetch')).toBe('passed');
    expect(directory.asks).toBe(1);
  });

  it('refuses every event after the token expired, and closes the socket', async () => {
    const socket = new FakeSocket(session({ expiresAtMs: Date.now() - 1 }));
    guard.attach(socket);
    expect(await socket.emit('message.send')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(socket.disconnected).toBe(true);
  });

  it('refuses a user deactivated after it connected, even while its "active" was cached', async () => {
    const socket = new FakeSocket(session());
    guard.attach(socket);
    expect(await socket.emit('conversation.list')).toBe('passed');
    directory.deactivated.add('u_ana');
    users.markDeactivated('u_ana');
    expect(await socket.emit('conversation.list')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(socket.disconnected).toBe(true);
  });

  it('refuses over the limit with RATE_LIMITED and the wait, without closing', async () => {
    const socket = new FakeSocket(session());
    guard.attach(socket);
    expect(await socket.emit('message.send')).toBe('passed');
    expect(await socket.emit('message.send')).toBe('passed');
    expect(await socket.emit('message.send')).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
    expect(await socket.emit('history.fetch')).toBe('passed'); // another class
    expect(socket.disconnected).toBe(false);
  });
});
