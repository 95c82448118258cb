import { Logger } from '@nestjs/common';
import { DeviceSession, Presence, sessionDigest } from '@parley/contracts';
import { OnlineRecord, PresenceNotifier, PresenceStore, SeenRecord, UserDirectory } from './presence-ports';
import { PresenceService, SNAPSHOT_SETTLE_MS } from './presence.service';

const GRACE_MS = 5000;
const TTL_MS = 15_000;
const HEARTBEAT_MS = 5000;

class MemoryStore extends PresenceStore {
  readonly online = new Map<string, OnlineRecord>();
  readonly seen = new Map<string, SeenRecord>();
  markOnline(record: OnlineRecord): void {
    this.online.set(record.userId, record);
  }
  markOffline(userId: string, seen: SeenRecord): void {
    this.online.delete(userId);
    this.seen.set(userId, seen);
  }
  async lastSeen(userId: string): Promise<SeenRecord | null> {
    return this.seen.get(userId) ?? null;
  }
  async loadOnline(): Promise<OnlineRecord[]> {
    return [...this.online.values()];
  }
}

class RecordingNotifier extends PresenceNotifier {
  readonly changes: Array<Presence & { rev: number }> = [];
  presenceChanged(presence: Presence, rev: number): void {
    this.changes.push({ ...presence, rev });
  }
  typingChanged(): void {
    throw new Error('not expected');
  }
}

class Directory extends UserDirectory {
  constructor(private readonly orgs: Record<string, string>) {
    super();
  }
  async belongsTo(orgId: string, userId: string): Promise<boolean> {
    return this.orgs[userId] === orgId;
  }
}

const session = (userId: string, deviceId: string, connectedAt = new Date().toISOString()): DeviceSession => ({ userId, orgId: 'o1', deviceId, connectedAt });

describe('PresenceService', () => {
  let store: MemoryStore;
  let notifier: RecordingNotifier;
  let service: PresenceService;
  const statuses = () => notifier.changes.map((c) => `${c.userId}:${c.status}`);

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    jest.useFakeTimers();
    store = new MemoryStore();
    notifier = new RecordingNotifier();
    service = new PresenceService(
      { PRESENCE_GRACE_MS: GRACE_MS, PRESENCE_SESSION_TTL_MS: TTL_MS, PRESENCE_HEARTBEAT_MS: HEARTBEAT_MS },
      store,
      notifier,
      new Directory({ ana: 'o1', eve: 'o2' }),
    );
    await service.start();
    jest.advanceTimersByTime(HEARTBEAT_MS + 1000);
  });

  afterEach(() => {
    service.onModuleDestroy();
    jest.useRealTimers();
  });

  it('is online while any device of any gateway is connected, offline after the grace period with the time the last left', () => {
    service.opened('g1', session('ana', 'phone'));
    service.opened('g2', session('ana', 'laptop'));
    expect(statuses()).toEqual(['ana:online']);
    service.closed('g1', 'ana', 'phone', '2030-01-01T00:00:00.000Z');
    jest.advanceTimersByTime(GRACE_MS * 2);
    expect(statuses()).toEqual(['ana:online']);
    service.closed('g2', 'ana', 'laptop', '2030-01-01T00:00:05.000Z');
    jest.advanceTimersByTime(GRACE_MS - 1);
    expect(statuses()).toEqual(['ana:online']);
    jest.advanceTimersByTime(1);
    expect(notifier.changes[1]).toMatchObject({ userId: 'ana', status: 'offline', lastSeenAt: '2030-01-01T00:00:05.000Z' });
    expect(notifier.changes[1].rev).toBeGreaterThan(notifier.changes[0].rev);
    expect(store.seen.get('ana')).toEqual({ orgId: 'o1', lastSeenAt: '2030-01-01T00:00:05.000Z' });
    expect(store.online.has('ana')).toBe(false);
  });

  it('says nothing when a device comes back within the grace period, even on another gateway', () => {
    service.opened('g1', session('ana', 'phone'));
    service.closed('g1', 'ana', 'phone', new Date().toISOString());
    jest.advanceTimersByTime(GRACE_MS - 100);
    service.opened('g2', session('ana', 'phone'));
    jest.advanceTimersByTime(GRACE_MS * 3);
    expect(statuses()).toEqual(['ana:online']);
    expect(service.sessions('ana')).toEqual([expect.objectContaining({ node: 'g2', deviceId: 'phone' })]);
  });

  it('asks for a snapshot when a heartbeat disagrees, and a snapshot replaces the node sessions', () => {
    service.opened('g1', session('ana', 'phone'));
    const digestOf = (...devices: Array<[string, string]>) => devices.reduce((d, [u, dev]) => sessionDigest.add(d, u, dev), sessionDigest.empty);
    expect(service.heartbeat('g1', 1, digestOf(['ana', 'phone']))).toBe(false);
    expect(service.heartbeat('g1', 1, digestOf(['ben', 'phone']))).toBe(true);
    expect(service.heartbeat('unknown', 0, 0)).toBe(true);
    service.snapshotPart({ node: 'g1', snapshotId: 's1', part: 1, parts: 2, sessions: [session('ben', 'phone')] });
    // Incomplete: nothing replaced yet, and heartbeats are not judged meanwhile.
    expect(service.heartbeat('g1', 5, 5)).toBe(false);
    expect(statuses()).toEqual(['ana:online']);
    service.snapshotPart({ node: 'g1', snapshotId: 's1', part: 0, parts: 2, sessions: [] });
    expect(statuses()).toEqual(['ana:online', 'ben:online']);
    expect(service.heartbeat('g1', 1, digestOf(['ben', 'phone']))).toBe(false);
    jest.advanceTimersByTime(GRACE_MS);
    expect(statuses()).toEqual(['ana:online', 'ben:online', 'ana:offline']);
  });

  it('ends the sessions of a gateway silent for longer than the TTL, without grace, at its last heartbeat', () => {
    const start = Date.now();
    service.opened('g1', session('ana', 'phone'));
    service.opened('g2', session('ben', 'phone'));
    jest.advanceTimersByTime(TTL_MS - 1000);
    service.heartbeat('g2', 1, sessionDigest.add(0, 'ben', 'phone'));
    jest.advanceTimersByTime(2000);
    expect(statuses()).toEqual(['ana:online', 'ben:online', 'ana:offline']);
    expect(notifier.changes[2].lastSeenAt).toBe(new Date(start).toISOString());
    expect(service.sessions()).toEqual([expect.objectContaining({ userId: 'ben' })]);
  });

  it('does not count a stall of its own against gateways (their heartbeats wait unread behind the sweep)', () => {
    service.opened('g1', session('ana', 'phone'));
    jest.setSystemTime(Date.now() + TTL_MS * 2);
    service.expireSilentNodes();
    expect(statuses()).toEqual(['ana:online']);
    jest.advanceTimersByTime(TTL_MS + 1000);
    expect(statuses()).toEqual(['ana:online', 'ana:offline']);
  });

  it('after a restart keeps remembered users online silently until the warm-up ends, then lets go of the unclaimed', async () => {
    store.online.set('ana', { userId: 'ana', orgId: 'o1', since: '2030-01-01T00:00:00.000Z' });
    store.online.set('ben', { userId: 'ben', orgId: 'o1', since: '2030-01-01T00:00:00.000Z' });
    const restarted = new PresenceService(
      { PRESENCE_GRACE_MS: GRACE_MS, PRESENCE_SESSION_TTL_MS: TTL_MS, PRESENCE_HEARTBEAT_MS: HEARTBEAT_MS },
      store,
      notifier,
      new Directory({}),
    );
    await restarted.start();
    const answer = restarted.query('o1', ['ana', 'ben']);
    jest.advanceTimersByTime(SNAPSHOT_SETTLE_MS);
    expect((await answer).presences.map((p) => p.status)).toEqual(['online', 'online']);
    restarted.snapshotPart({ node: 'g1', snapshotId: 'x', part: 0, parts: 1, sessions: [session('ana', 'phone')] });
    jest.advanceTimersByTime(HEARTBEAT_MS + 1000);
    expect(statuses()).toEqual(['ben:offline']);
    restarted.onModuleDestroy();
  });

  it('answers only users of the caller org, with lastSeenAt from memory, the store, or null for never seen', async () => {
    store.seen.set('old', { orgId: 'o1', lastSeenAt: '2020-01-01T00:00:00.000Z' });
    service.opened('g1', session('ben', 'phone', '2030-01-01T00:00:00.000Z'));
    const { presences, rev } = await service.query('o1', ['ben', 'old', 'ana', 'ben']);
    expect(presences).toEqual([
      { userId: 'ben', status: 'online', lastSeenAt: '2030-01-01T00:00:00.000Z' },
      { userId: 'old', status: 'offline', lastSeenAt: '2020-01-01T00:00:00.000Z' },
      { userId: 'ana', status: 'offline', lastSeenAt: null },
    ]);
    expect(rev).toBe(notifier.changes[0].rev);
    await expect(service.query('o1', ['ana', 'eve'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.query('o2', ['ben'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.query('o1', ['nobody'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
