import { ClientEvent, Conversation } from '@parley/contracts';
import { AdminFactory, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

/** One side of the sweep: an org, its users, and what only its members may see. */
interface Tenant {
  orgId: string;
  users: Named[];
  devices: TestClient[];
  /** A conversation of every user of the org but the attacker. */
  closed: Conversation;
  /** The attacker's own conversation. */
  own?: Conversation;
}

/** Marks every body and title only members may see; finding one in an attacker's answer is a leak. */
const SECRET = 'SECRET';

/**
 * Tenant sweep: two orgs with users and conversations; every client event and every
 * REST endpoint is tried with the other org's ids, random ids, and conversations the
 * caller is not a member of. A leak is any accepted probe, any answer carrying what
 * the caller may not see (a body, a title, an id of the other org), a cross-org id
 * answered differently from a random one (existence revealed), or any effect seen by
 * the victims afterwards.
 */
describe('tenant sweep', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  const acme = {} as Tenant;
  const globex = {} as Tenant;
  const clients = new TestClientPool();
  const probes: string[] = [];
  const leaks: string[] = [];
  let n = 0;

  const connect = (user: Named, deviceId: string) => clients.connect(sys.url, user.token, deviceId);

  async function setUp(tenant: Tenant, name: string): Promise<void> {
    const { org, users } = await admin.orgWithUsers(['Attacker', 'Member1', 'Member2'], name);
    tenant.orgId = org.id;
    tenant.users = users;
    tenant.devices = [];
    for (const user of users) tenant.devices.push(await connect(user, `${name}-${user.displayName}`));
    const [attacker, m1, m2] = tenant.devices;
    tenant.closed = (await m1.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [users[2].id], title: `${SECRET}-title-${name}` })).conversation;
    for (let i = 0; i < 3; i++) await m2.ok('message.send', { conversationId: tenant.closed.id, clientMsgId: `s${i}`, body: `${SECRET}-${name}-${i}` });
    tenant.own = (await attacker.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [users[1].id], title: 'own' })).conversation;
    await attacker.ok('message.send', { conversationId: tenant.own.id, clientMsgId: 'o1', body: 'hello' });
  }

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 2 });
    admin = new AdminFactory(sys.url, sys.adminToken);
    await setUp(acme, 'acme');
    await setUp(globex, 'globex');
  });

  afterAll(async () => {
    console.log(`tenant sweep: probes = ${probes.length}, leaks = ${leaks.length}${leaks.length ? `\n  ${leaks.join('\n  ')}` : ''}`);
    clients.closeAll();
    await sys?.stop();
  });

  /** Ids of the other org and of conversations the attacker is not in: never in an accepted answer. */
  function forbiddenIn(home: Tenant, other: Tenant): string[] {
    return [other.orgId, ...other.users.map((u) => u.id), other.closed.id, other.own!.id, home.closed.id];
  }

  function record(probe: string, answer: unknown, accepted: boolean, home: Tenant, other: Tenant, mayAccept = false): void {
    probes.push(probe);
    const text = JSON.stringify(answer ?? null);
    if (accepted && !mayAccept) leaks.push(`${probe}: accepted: ${text.slice(0, 200)}`);
    if (text.includes(SECRET)) leaks.push(`${probe}: answer carries a member-only body or title: ${text.slice(0, 200)}`);
    if (accepted) for (const id of forbiddenIn(home, other)) if (text.includes(id)) leaks.push(`${probe}: accepted answer names ${id}`);
  }

  async function socketProbe(home: Tenant, other: Tenant, event: string, payload: unknown, mayAccept = false): Promise<{ ok: boolean; code?: string }> {
    const ack = await home.devices[0].call(event, payload);
    record(`${home.orgId.slice(0, 8)} socket ${event} ${JSON.stringify(payload).slice(0, 120)}`, ack, ack.ok, home, other, mayAccept);
    return ack.ok ? { ok: true } : { ok: false, code: ack.error.code };
  }

  async function restProbe(home: Tenant, other: Tenant, bearer: string, method: string, path: string, body?: unknown, mayAccept = false) {
    const answer = await new ParleyHttp(sys.url, bearer).call(method, path, body);
    const accepted = answer.status < 300;
    record(`${method} ${path}`, answer.body, accepted, home, other, mayAccept);
    if (answer.status >= 500) leaks.push(`${method} ${path}: server error ${answer.status}`);
    return answer;
  }

  const randomIds = () => [`c0_${'A'.repeat(16)}`, `c3_${(n++).toString(36)}random`, 'u_random', 'o1x1_random', '../etc/passwd', "' OR 1=1 --", 'x'.repeat(128)];

  async function sweepSocket(home: Tenant, other: Tenant): Promise<void> {
    const [attacker] = home.users;
    const targets: Array<[string, string]> = [
      ['other org', other.closed.id],
      ['other org, own', other.own!.id],
      ['same org, not member', home.closed.id],
      ...randomIds().map((id): [string, string] => ['random', id]),
    ];
    const codes = new Map<string, string[]>();
    for (const [kind, conversationId] of targets) {
      const victims = kind === 'same org, not member' ? home.users.slice(1).map((u) => u.id) : other.users.map((u) => u.id);
      const perEvent: Array<[string, unknown]> = [
        [ClientEvent.ConversationMembersAdd, { conversationId, userIds: [attacker.id] }],
        [ClientEvent.ConversationMembersRemove, { conversationId, userIds: victims }],
        [ClientEvent.MessageSend, { conversationId, clientMsgId: `probe-${n++}`, body: 'probe' }],
        [ClientEvent.HistoryFetch, { conversationId }],
        [ClientEvent.HistoryFetch, { conversationId, afterSeq: 0, limit: 100 }],
        [ClientEvent.ReceiptDelivered, { conversationId, seq: 1 }],
        [ClientEvent.ReceiptRead, { conversationId, seq: 3 }],
      ];
      for (const [event, payload] of perEvent) {
        const answer = await socketProbe(home, other, event, payload);
        const key = `${event}:${JSON.stringify(Object.keys(payload as object))}`;
        if (kind !== 'same org, not member') codes.set(key, [...(codes.get(key) ?? []), `${kind}=${answer.code}`]);
      }
      // sync answers ok for the caller's own conversations; the target must not be among them.
      await socketProbe(home, other, ClientEvent.Sync, { since: { [conversationId]: 0 } }, true);
      home.devices[0].socket.emit(ClientEvent.Typing, { conversationId, typing: true });
    }
    await socketProbe(home, other, ClientEvent.Sync, {}, true);
    await socketProbe(home, other, ClientEvent.ConversationList, { limit: 100 }, true);
    // A conversation id of another org answers exactly like a random one: its existence is not revealed.
    for (const [key, answers] of codes) {
      probes.push(`same answer for foreign and random ids: ${key}`);
      if (new Set(answers.map((a) => a.split('=')[1])).size !== 1) leaks.push(`existence revealed by ${key}: ${answers.join(', ')}`);
    }

    for (const userId of [...other.users.map((u) => u.id), ...randomIds()]) {
      await socketProbe(home, other, ClientEvent.ConversationCreate, { kind: 'direct', memberIds: [userId] });
      await socketProbe(home, other, ClientEvent.ConversationCreate, { kind: 'group', memberIds: [home.users[1].id, userId] });
      await socketProbe(home, other, ClientEvent.ConversationMembersAdd, { conversationId: home.own!.id, userIds: [userId] });
      // Presence of users of another org is never shown (an error, or no entry for them).
      await socketProbe(home, other, ClientEvent.PresenceSubscribe, { userIds: [userId] }, true);
      await socketProbe(home, other, ClientEvent.PresenceUnsubscribe, { userIds: [userId] }, true);
    }
  }

  async function sweepRest(home: Tenant, other: Tenant): Promise<void> {
    const token = home.users[0].token;
    for (const id of [other.closed.id, other.own!.id, home.closed.id, ...randomIds().map(encodeURIComponent)]) {
      await restProbe(home, other, token, 'GET', `/v1/conversations/${id}/messages`);
      await restProbe(home, other, token, 'GET', `/v1/conversations/${id}/messages?afterSeq=0&limit=100`);
    }
    await restProbe(home, other, token, 'GET', '/v1/conversations?limit=100', undefined, true);
    // A user token is no admin token, on every admin route.
    for (const [method, path] of [
      ['GET', `/admin/orgs/${home.orgId}`],
      ['GET', `/admin/orgs/${home.orgId}/users`],
      ['POST', `/admin/orgs/${home.orgId}/users`],
      ['DELETE', `/admin/orgs/${other.orgId}/users/${other.users[1].id}`],
      ['POST', `/admin/orgs/${home.orgId}/users/${home.users[0].id}/tokens`],
      ['GET', `/admin/orgs/${other.orgId}/conversations`],
      ['DELETE', `/admin/conversations/${other.closed.id}/messages/1`],
      ['GET', '/admin/shards'],
      ['GET', '/admin/sessions'],
    ]) {
      await restProbe(home, other, token, method, path, method === 'POST' ? { displayName: 'x' } : undefined);
    }
    // The operator sees everything of an org, and only that org, even when mixing one org's path with another's ids.
    const operator = new ParleyHttp(sys.url, sys.adminToken);
    const operatorProbe = async (method: string, path: string, body?: unknown, mayAccept = false) => {
      const answer = await operator.call(method, path, body);
      probes.push(`operator ${method} ${path}`);
      if (answer.status < 300 && !mayAccept) leaks.push(`operator ${method} ${path}: accepted`);
      const text = JSON.stringify(answer.body);
      if ([other.orgId, ...other.users.map((u) => u.id), other.closed.id, `${SECRET}-${other === acme ? 'acme' : 'globex'}`].some((id) => text.includes(id))) {
        leaks.push(`operator ${method} ${path}: answer holds the other org's data`);
      }
    };
    await operatorProbe('POST', `/admin/orgs/${home.orgId}/users/${other.users[1].id}/tokens`, {});
    await operatorProbe('DELETE', `/admin/orgs/${home.orgId}/users/${other.users[1].id}`);
    await operatorProbe('GET', `/admin/orgs/${home.orgId}/users`, undefined, true);
    await operatorProbe('GET', `/admin/orgs/${home.orgId}/conversations`, undefined, true);
  }

  /** What the victims see afterwards: nothing changed, nothing arrived from the attacker. */
  async function checkVictims(home: Tenant, other: Tenant): Promise<void> {
    const attacker = home.users[0].id;
    for (const victim of [...other.devices.slice(1), ...home.devices.slice(1)]) {
      probes.push(`victim ${victim.socket.id} received nothing from ${attacker}`);
      const fromAttacker = victim.received.filter((r) => JSON.stringify(r.payload).includes(attacker) && r.event !== 'conversation.updated');
      const updates = victim.received.filter((r) => r.event === 'conversation.updated' && JSON.stringify(r.payload).includes(attacker));
      const ownConversation = (p: unknown) => JSON.stringify(p).includes(home.own!.id);
      if (fromAttacker.some((r) => !ownConversation(r.payload)) || updates.some((r) => !ownConversation(r.payload))) {
        leaks.push(`a victim received ${JSON.stringify([...fromAttacker, ...updates]).slice(0, 300)}`);
      }
    }
    for (const [tenant, device] of [
      [other, other.devices[1]],
      [home, home.devices[1]],
    ] as const) {
      probes.push(`${tenant.closed.id} unchanged`);
      const { conversations } = await device.ok<{ conversations: Conversation[] }>('conversation.list', { limit: 100 });
      const closed = conversations.find((c) => c.id === tenant.closed.id)!;
      if (closed.lastSeq !== 3 || [...closed.memberIds].sort().join() !== [tenant.users[1].id, tenant.users[2].id].sort().join()) {
        leaks.push(`${tenant.closed.id} changed: ${JSON.stringify(closed)}`);
      }
    }
    probes.push(`${other.users[1].id} still active`);
    if (!other.devices[1].connected) leaks.push(`${other.users[1].id} was disconnected`);
  }

  it('acme attacks globex and its own members-only conversation: no leak', async () => {
    await sweepSocket(acme, globex);
    await sweepRest(acme, globex);
  });

  it('globex attacks acme: no leak', async () => {
    await sweepSocket(globex, acme);
    await sweepRest(globex, acme);
  });

  it('the victims saw nothing and nothing changed', async () => {
    await new Promise((r) => setTimeout(r, 500));
    await checkVictims(acme, globex);
    await checkVictims(globex, acme);
    expect(probes.length).toBeGreaterThan(300);
    expect(leaks).toEqual([]);
  });
});
