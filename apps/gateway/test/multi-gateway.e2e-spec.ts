import { Conversation, Message } from '@parley/contracts';
import { AdminFactory, ParleyHttp, startTestSystem, TestClient, TestClientPool, TestSystem } from '@parley/testing';

/** Two gateways in front of the same chat nodes: what one gateway's clients do reaches the other's. */
describe('several gateways', () => {
  let sys: TestSystem;
  let gw0: string;
  let gw1: string;
  const clients = new TestClientPool();
  const connect = (url: string, token: string, deviceId: string) => clients.connect(url, token, deviceId);

  beforeAll(async () => {
    sys = await startTestSystem({ chatNodes: 2, gateways: 2 });
    [gw0, gw1] = sys.system.gatewayUrls;
  });

  afterAll(async () => {
    clients.closeAll();
    await sys?.stop();
  });

  it('fans a message out to devices on every gateway and routes a conversation to the same chat node from each', async () => {
    const admin = new AdminFactory(gw0, sys.adminToken);
    const { users } = await admin.orgWithUsers(['Ana', 'Ben']);
    const [ana, ben] = users;
    const anaPhone = await connect(gw0, ana.token, 'phone');
    const anaLaptop = await connect(gw1, ana.token, 'laptop');
    const benDesk = await connect(gw1, ben.token, 'desk');
    const { conversation } = await anaPhone.ok<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: [ben.id] });
    await benDesk.waitFor<{ conversation: Conversation }>('conversation.updated', (p) => p.conversation.id === conversation.id);

    const owners = await Promise.all(
      [gw0, gw1].map((url) => new ParleyHttp(url, sys.adminToken).expectOk<{ owner: string }>('GET', `/admin/chat/nodes?conversationId=${conversation.id}`)),
    );
    expect(owners[0].owner).toBe(owners[1].owner);

    const { message } = await anaPhone.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: 'x-gw', body: 'across' });
    for (const device of [anaLaptop, benDesk]) {
      await expect(device.waitFor<{ message: Message }>('message.new', (p) => p.message.id === message.id)).resolves.toEqual({ message });
    }
    const reply = await benDesk.ok<{ message: Message }>('message.send', { conversationId: conversation.id, clientMsgId: 'y-gw', body: 'back' });
    expect(reply.message.seq).toBe(message.seq + 1);
    await anaPhone.waitFor<{ message: Message }>('message.new', (p) => p.message.id === reply.message.id);
  });

  it('closes a deactivated user on every gateway and refuses its token there', async () => {
    const admin = new AdminFactory(gw0, sys.adminToken);
    const { org, users } = await admin.orgWithUsers(['Cid']);
    const [cid] = users;
    const elsewhere = await connect(gw1, cid.token, 'tablet');
    const closed = new Promise((resolve) => elsewhere.socket.once('disconnect', resolve));
    expect((await admin.http.call('DELETE', `/admin/orgs/${org.id}/users/${cid.id}`)).status).toBe(204);
    await closed;
    await expect(TestClient.connect(gw1, cid.token, 'tablet')).rejects.toThrow('UNAUTHORIZED');
  });
});
