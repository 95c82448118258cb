import fc from 'fast-check';
import { ClientEvent, Conversation, ERROR_CODES } from '@parley/contracts';
import { AdminFactory, startTestSystem, TestClient, TestSystem } from '@parley/testing';

/** JSON a hostile client builds: deep nesting, prototype keys, lone surrogates, oversized strings, wrong types. */
/** `huge` adds strings above the REST body limit (a socket frame that big closes the connection instead, see limits.e2e-spec). */
function hostileValue(huge: boolean): fc.Arbitrary<unknown> {
  const loneSurrogates = fc.constantFrom('\uD800', '\uDFFF', 'a\uDC00b', '\uD83D', 'ok\uD800\uD800');
  const nested = fc.integer({ min: 50, max: 3000 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
    return value;
  });
  const prototypeKeys = fc.constantFrom(
    JSON.parse('{"__proto__": {"admin": true}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'),
    JSON.parse('{"name": "x", "__proto__": {"shardSpread": 64}}'),
  );
  const oversized = fc.constantFrom('x'.repeat(4001), '\u00e9'.repeat(20_000), '\u0001'.repeat(8_000), ...(huge ? ['y'.repeat(200_000)] : []));
  const wrongTypes = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 5 }), fc.string({ maxLength: 50 }));
  const leaf = fc.oneof(loneSurrogates, oversized, wrongTypes, fc.constant('\u0000'));
  return fc.oneof(
    nested,
    prototypeKeys,
    leaf,
    fc.dictionary(fc.oneof(fc.constantFrom('name', 'displayName', 'ttlSeconds', 'shardSpread', '__proto__', 'constructor'), fc.string({ maxLength: 10 })), leaf, { maxKeys: 4 }),
    fc.anything({ maxDepth: 4 }),
  );
}

const badSegments = ['%ED%A0%80', '%FF', '%00', '..%2F..', '%', 'a'.repeat(500), '0', '-1', '1.5', '99999999999999999999', '%F0%9F%98%80', '__proto__', 'constructor'];

/** Every REST route with fuzzed bodies, path segments and queries; every socket event with hostile payloads. */
describe('hostile input at every edge', () => {
  let sys: TestSystem;
  let client: TestClient;
  let orgId: string;
  let userId: string;
  let userToken: string;
  let conversationId: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 1 });
    const admin = new AdminFactory(sys.url, sys.adminToken);
    const { org, users } = await admin.orgWithUsers(['Ana', 'Ben']);
    orgId = org.id;
    userId = users[0].id;
    userToken = users[0].token;
    client = await TestClient.connect(sys.url, userToken, 'hostile');
    conversationId = (await client.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [users[1].id] })).conversation.id;
  });

  afterAll(async () => {
    console.log(`hostile REST input: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    client?.close();
    await sys?.stop();
  });

  /** Any answer is a success or a contract error; never a 500, never another shape. */
  async function expectContractAnswer(method: string, path: string, body: string | undefined, bearer: string, contentType = 'application/json') {
    const res = await fetch(`${sys.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const text = await res.text();
    expect({ path, status: res.status, below500: res.status < 500 || res.status === 503 }).toMatchObject({ below500: true });
    if (res.status >= 400) {
      const parsed = JSON.parse(text);
      expect(ERROR_CODES.filter((c) => c !== 'INTERNAL')).toContain(parsed.error.code);
      expect(typeof parsed.error.message).toBe('string');
    }
  }

  it('answers every REST body with a contract error or a success', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/admin/orgs'],
      ['POST', `/admin/orgs/{org}/users`],
      ['POST', `/admin/orgs/{org}/users/{user}/tokens`],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostileValue(true), async ([method, path], value) => {
        const body = JSON.stringify(value ?? null);
        await expectContractAnswer(method, path.replace('{org}', orgId).replace('{user}', userId), body, sys.adminToken);
      }),
      { numRuns: 250 },
    );
    // Not JSON at all, or lying about it.
    for (const [body, type] of [
      ['{"name": ', 'application/json'],
      ['\u00ff\u00fe{}', 'application/json'],
      ['name=x', 'application/x-www-form-urlencoded'],
      ['<xml/>', 'text/xml'],
      ['{"name":"x"}', 'text/plain'],
      [`{"name":"${'z'.repeat(300_000)}"}`, 'application/json'],
    ]) {
      await expectContractAnswer('POST', '/admin/orgs', body, sys.adminToken, type);
    }
  });

  it('answers every REST path and query with a contract error or a success', async () => {
    const templates: Array<[string, string, 'admin' | 'user']> = [
      ['GET', '/admin/orgs/{s}', 'admin'],
      ['GET', '/admin/orgs/{s}/users', 'admin'],
      ['GET', '/admin/orgs/{s}/conversations', 'admin'],
      ['DELETE', `/admin/orgs/{s}/users/{s}`, 'admin'],
      ['POST', `/admin/orgs/{s}/users/{s}/tokens`, 'admin'],
      ['DELETE', `/admin/conversations/{s}/messages/{s}`, 'admin'],
      ['DELETE', `/admin/conversations/${'{c}'}/messages/{s}`, 'admin'],
      ['GET', '/admin/sessions?userId={s}', 'admin'],
      ['GET', '/admin/chat/nodes?conversationId={s}', 'admin'],
      ['GET', '/v1/conversations?limit={s}', 'user'],
      ['GET', '/v1/conversations/{s}/messages', 'user'],
      ['GET', '/v1/conversations/{c}/messages?beforeSeq={s}&afterSeq={s}&limit={s}', 'user'],
    ];
    const segment = fc.oneof(
      fc.constantFrom(...badSegments),
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), fc.array(segment, { minLength: 4, maxLength: 4 }), async ([method, template, auth], segments) => {
        let i = 0;
        const path = template.replace(/\{c\}/g, conversationId).replace(/\{s\}/g, () => segments[i++ % segments.length]);
        await expectContractAnswer(method, path, method === 'POST' ? '{}' : undefined, auth === 'admin' ? sys.adminToken : userToken);
      }),
      { numRuns: 250 },
    );
  });

  it('answers every socket event with hostile payloads, and keeps the socket', async () => {
    const events = Object.values(ClientEvent).filter((e) => e !== ClientEvent.Typing);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), hostileValue(false), fc.constantFrom(null, 'conversationId', 'body', 'userIds', 'since', 'seq', 'limit'), async (event, value, field) => {
        // Either the whole payload or one field of a plausible one is hostile.
        const payload = field === null ? value : { conversationId, clientMsgId: 'h', body: 'b', [field]: value };
        // Frames above the cap close the connection by design (limits.e2e-spec); everything below must be answered.
        fc.pre(Buffer.byteLength(JSON.stringify(payload ?? null)) < 60_000);
        const ack = await client.call(event, payload);
        if (!ack.ok) expect(ERROR_CODES.filter((c) => c !== 'INTERNAL')).toContain(ack.error.code);
      }),
      { numRuns: 250 },
    );
    client.socket.emit(ClientEvent.Typing, JSON.parse('{"__proto__": {"typing": true}}'));
    expect(client.connected).toBe(true);
    await expect(client.ok('history.fetch', { conversationId })).resolves.toBeDefined();
    // Nothing polluted the prototypes of the gateway: a fresh plain object still has no such key.
    const probe = await client.ok<{ conversations: Array<Record<string, unknown>> }>('conversation.list', {});
    expect(probe.conversations.every((c) => !('polluted' in c) && !('admin' in c))).toBe(true);
  });
});
