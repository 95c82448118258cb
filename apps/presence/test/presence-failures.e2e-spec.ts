import { Presence } from '@parley/contracts';
import { AdminFactory, startTestSystem, TestClient, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

const HEARTBEAT_MS = 500;
const TTL_MS = 2000;
const GRACE_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('presence when a gateway dies or the presence service restarts (real processes)', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  let ana: Named, ben: Named, cid: Named, dan: Named;
  const clients: TestClient[] = [];
  const connect = async (user: Named, deviceId: string, gateway = 0) => {
    const client = await TestClient.connect(sys.system.gatewayUrls[gateway], user.token, deviceId);
    clients.push(client);
    return client;
  };
  const presencesOf = (client: TestClient, userId: string) => client.events<Presence>('presence').filter((p) => p.userId === userId);

  beforeAll(async () => {
    sys = await startTestSystem({
      gateways: 3,
      env: { PRESENCE_GRACE_MS: String(GRACE_MS), PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS), PRESENCE_SESSION_TTL_MS: String(TTL_MS) },
    });
    admin = new AdminFactory(sys.url, sys.adminToken);
    [ana, ben, cid, dan] = (await admin.orgWithUsers(['Ana', 'Ben', 'Cid', 'Dan'], 'Acme')).users;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sys?.stop();
  });

  it('restarts the presence service with users connected: their state is back, no subscriber sees them offline, who left meanwhile goes offline', async () => {
    const watcher = await connect(ana, 'ana-phone', 0);
    await connect(ben, 'ben-phone', 1);
    await connect(cid, 'cid-phone', 0);
    const leaving = await connect(dan, 'dan-phone', 0);
    await watcher.ok('presence.subscribe', { userIds: [ben.id, cid.id, dan.id] });
    const presence = sys.system.service('presence');
    await presence.stop('SIGKILL');
    leaving.close();
    presence.start();
    await sys.system.waitReady();
    const danOffline = await watcher.waitFor<Presence>('presence', (p) => p.userId === dan.id, 10_000);
    expect(danOffline.status).toBe('offline');
    // Past the warm-up (a heartbeat interval and a second) and a grace period: nobody was shown offline.
    await sleep(HEARTBEAT_MS + 1000 + GRACE_MS + 500);
    expect(presencesOf(watcher, ben.id)).toEqual([]);
    expect(presencesOf(watcher, cid.id)).toEqual([]);
    const again = await connect(ana, 'ana-laptop', 2);
    const { presences } = await again.ok<{ presences: Presence[] }>('presence.subscribe', { userIds: [ben.id, cid.id] });
    expect(presences.map((p) => p.status)).toEqual(['online', 'online']);
    const sessions = await admin.http.expectOk<{ sessions: Array<{ node: string }> }>('GET', `/admin/sessions?userId=${ben.id}`);
    expect(sessions.sessions).toEqual([{ userId: ben.id, deviceId: 'ben-phone', connectedAt: expect.any(String), node: 'gateway-1' }]);
  }, 30_000);

  it('shows a user offline within the TTL when the gateway holding its only socket is killed', async () => {
    const watcher = await connect(ana, 'ana-watch', 0);
    await watcher.ok('presence.subscribe', { userIds: [ben.id] });
    const killedAt = Date.now();
    await sys.system.service('gateway-1').stop('SIGKILL');
    const offline = await watcher.waitFor<Presence>('presence', (p) => p.userId === ben.id, TTL_MS + 3000);
    const after = Date.now() - killedAt;
    expect(offline.status).toBe('offline');
    // The TTL plus the expiry sweep (a quarter of the TTL) and delivery.
    expect(after).toBeLessThan(TTL_MS + TTL_MS / 4 + 500);
    // lastSeenAt is the gateway's last heartbeat: at most one interval before the kill.
    expect(killedAt - Date.parse(offline.lastSeenAt!)).toBeLessThan(HEARTBEAT_MS + 300);
    expect(presencesOf(watcher, ben.id)).toHaveLength(1);
    expect(await admin.http.expectOk('GET', `/admin/sessions?userId=${ben.id}`)).toEqual({ sessions: [] });
  }, 30_000);
});
