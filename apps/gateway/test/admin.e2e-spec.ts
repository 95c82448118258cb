import { Client } from 'pg';
import { DEV_DEFAULTS } from '@parley/config';
import { Conversation, Message, SyncResult } from '@parley/contracts';
import { AdminFactory, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

type Named = { id: string; orgId: string; token: string };

/** The admin API end to end: redaction, deactivation, the shard map, the OpenAPI document. */
describe('admin API end to end', () => {
  let sys: TestSystem;
  let admin: AdminFactory;
  let ana: Named, ben: Named;
  const clients = new TestClientPool();
  const logLines: string[] = [];
  const connect = (user: Named, deviceId?: string) => clients.connect(sys.url, user.token, deviceId);

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 2, env: { LOG_LEVEL: 'verbose' }, onLogLine: (service, line) => logLines.push(`${service} | ${line}`) });
    admin = new AdminFactory(sys.url, sys.adminToken);
    [ana, ben] = (await admin.orgWithUsers(['Ana', 'Ben'])).users;
  });

  afterAll(async () => {
    clients.closeAll();
    await sys?.stop();
  });

  it('redacts a message everywhere: store, hot cache, history, sync, retries, and tells the members once', async () => {
    const anaPhone = await connect(ana, 'ana-phone');
    const benDesk = await connect(ben, 'ben-desk');
    const { conversation } = await anaPhone.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    const sent: Message[] = [];
    for (let i = 1; i <= 3; i++) {
      sent.push((await anaPhone.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: `r-${i}`, body: `secret ${i}` })).message);
    }

    expect((await admin.http.call('DELETE', `/admin/conversations/${conversation.id}/messages/2`)).status).toBe(204);
    expect(await benDesk.waitFor('message.redacted')).toEqual({ conversationId: conversation.id, seq: 2 });
    expect(await anaPhone.waitFor('message.redacted')).toEqual({ conversationId: conversation.id, seq: 2 });

    const { messages } = await benDesk.ok<{ messages: Message[] }>('history.fetch', { conversationId: conversation.id });
    expect(messages.map((m) => [m.seq, m.body, m.redacted ?? false])).toEqual([
      [1, 'secret 1', false],
      [2, '', true],
      [3, 'secret 3', false],
    ]);
    const rest = await new ParleyHttp(sys.url, ben.token).expectOk<{ messages: Message[] }>('GET', `/v1/conversations/${conversation.id}/messages`);
    expect(rest.messages[1]).toMatchObject({ seq: 2, body: '', redacted: true });
    const fresh = await connect(ben, 'ben-new-device');
    const synced = await fresh.ok<SyncResult>('sync', {});
    const update = synced.updates.find((u) => u.conversationId === conversation.id)!;
    expect(update.messages.find((m) => m.seq === 2)).toMatchObject({ body: '', redacted: true });

    // A retry of the redacted send is answered from the owner's state: never with the old body.
    const retry = await anaPhone.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: 'r-2', body: 'secret 2' });
    expect(retry.message).toMatchObject({ id: sent[1].id, seq: 2, body: '', redacted: true });

    // The row keeps its seq (no gap) but not the body.
    const shard = sys.databases.config.SHARD_DATABASE_URLS;
    const bodies: string[] = [];
    for (const { url } of shard) {
      const pg = new Client({ connectionString: url });
      await pg.connect();
      const rows = await pg.query('SELECT body FROM messages WHERE id = $1', [sent[1].id]);
      bodies.push(...rows.rows.map((r: { body: string }) => r.body));
      await pg.end();
    }
    expect(bodies).toEqual(['']);

    // Again: 204, and no second event. Unknown seq or conversation: 404.
    expect((await admin.http.call('DELETE', `/admin/conversations/${conversation.id}/messages/2`)).status).toBe(204);
    expect(await admin.http.call('DELETE', `/admin/conversations/${conversation.id}/messages/99`)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await admin.http.call('DELETE', `/admin/conversations/c0_nothing/messages/1`)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    await new Promise((r) => setTimeout(r, 300));
    expect(benDesk.events('message.redacted')).toHaveLength(1);
  });

  it('deactivating a user closes its sockets within a second and refuses its token from then on', async () => {
    const { users } = await admin.orgWithUsers(['Doomed', 'Witness'], 'Doom');
    const [doomed, witness] = users;
    const devices = [await connect(doomed, 'd1'), await connect(doomed, 'd2')];
    const watcher = await connect(witness, 'w1');
    const { conversation } = await watcher.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [doomed.id] });
    const closed = devices.map((d) => new Promise<number>((resolve) => d.socket.once('disconnect', () => resolve(performance.now()))));

    const started = performance.now();
    expect((await admin.http.call('DELETE', `/admin/orgs/${doomed.orgId}/users/${doomed.id}`)).status).toBe(204);
    const closedAfterMs = Math.max(...(await Promise.all(closed))) - started;
    console.log(`deactivation: ${devices.length} sockets closed ${closedAfterMs.toFixed(0)} ms after the DELETE was sent`);
    expect(closedAfterMs).toBeLessThan(1000);

    await expect(TestClient.connect(sys.url, doomed.token, 'd3')).rejects.toThrow('UNAUTHORIZED');
    expect((await new ParleyHttp(sys.url, doomed.token).call('GET', '/v1/conversations')).status).toBe(401);
    expect((await admin.http.call('POST', `/admin/orgs/${doomed.orgId}/users/${doomed.id}/tokens`, {})).status).toBe(404);
    // The others carry on; the deactivated user cannot be added anywhere.
    expect((await watcher.call('conversation.create', { kind: 'group', memberIds: [doomed.id] })).ok).toBe(false);
    expect((await watcher.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: 'after', body: 'still here' })).message.seq).toBe(1);
    // Deleting again or someone unknown.
    expect((await admin.http.call('DELETE', `/admin/orgs/${doomed.orgId}/users/${doomed.id}`)).status).toBe(204);
    expect((await admin.http.call('DELETE', `/admin/orgs/${doomed.orgId}/users/u_nobody`)).status).toBe(404);
  });

  it('never writes a token or a secret to the logs, whatever went wrong', async () => {
    // Failures that get logged: bad tokens at the handshake and on REST, a wrong admin token, bad bodies.
    const forged = `${ana.token.slice(0, -4)}AAAA`;
    await expect(TestClient.connect(sys.url, forged)).rejects.toThrow('UNAUTHORIZED');
    expect((await new ParleyHttp(sys.url, forged).call('GET', '/v1/conversations')).status).toBe(401);
    expect((await new ParleyHttp(sys.url, `${sys.adminToken}x`).call('GET', '/admin/shards')).status).toBe(401);
    expect((await admin.http.call('POST', '/admin/orgs', '{"name": ')).status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(logLines.length).toBeGreaterThan(0);
    const secrets = [ana.token, ben.token, forged, sys.adminToken, DEV_DEFAULTS.JWT_SECRET, ...[ana.token, ben.token].map((t) => t.split('.')[2])];
    const leaked = logLines.filter((line) => secrets.some((secret) => line.includes(secret)));
    expect(leaked).toEqual([]);
  });

  it('shows the shard map with each physical shard reachable', async () => {
    const { shards, logicalShards } = await admin.http.expectOk<{ logicalShards: number; shards: Array<{ id: string; reachable: boolean; logicalShards: number[] }> }>(
      'GET',
      '/admin/shards',
    );
    expect(shards.map((s) => s.id).sort()).toEqual(['shard-0', 'shard-1']);
    expect(shards.every((s) => s.reachable)).toBe(true);
    expect(shards.flatMap((s) => s.logicalShards).sort((a, b) => a - b)).toEqual(Array.from({ length: logicalShards }, (_, i) => i));
  });

  it('describes every admin endpoint of the contract, its body and its errors in OpenAPI', async () => {
    type Operation = { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }>; requestBody?: { required?: boolean } };
    const doc = (await (await fetch(`${sys.url}/docs-json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const routes: Array<[string, string, number]> = [
      ['post', '/admin/orgs', 201],
      ['get', '/admin/orgs/{orgId}', 200],
      ['post', '/admin/orgs/{orgId}/users', 201],
      ['get', '/admin/orgs/{orgId}/users', 200],
      ['delete', '/admin/orgs/{orgId}/users/{userId}', 204],
      ['post', '/admin/orgs/{orgId}/users/{userId}/tokens', 201],
      ['get', '/admin/orgs/{orgId}/conversations', 200],
      ['delete', '/admin/conversations/{conversationId}/messages/{seq}', 204],
      ['get', '/admin/shards', 200],
      ['get', '/admin/sessions', 200],
      ['get', '/v1/conversations', 200],
      ['get', '/v1/conversations/{conversationId}/messages', 200],
    ];
    for (const [method, path, success] of routes) {
      const operation = doc.paths[path]?.[method];
      expect({ path, method, documented: !!operation }).toEqual({ path, method, documented: true });
      const responses = Object.keys(operation.responses).map(Number);
      expect(responses).toEqual(expect.arrayContaining([success, 401, 429]));
      for (const status of responses.filter((s) => s >= 400)) {
        expect(operation.responses[status].content['application/json'].schema.properties.error).toBeDefined();
      }
      if (method === 'post' && path !== '/admin/orgs/{orgId}/users/{userId}/tokens') expect(operation.requestBody?.required).not.toBe(false);
    }
  });
});
