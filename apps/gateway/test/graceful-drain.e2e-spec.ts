import { Conversation, ErrorCode, Message, ServerDraining, ServerEvent } from '@parley/contracts';
import { AdminFactory, startTestSystem, TestClient, TestSystem } from '@parley/testing';

const DRAIN_WINDOW_MS = 3000;
const RETRYABLE: ReadonlySet<string> = new Set([ErrorCode.UNAVAILABLE]);

/**
 * A client as an SDK would behave behind a load balancer: on `server.draining` it opens a
 * connection to a live gateway at its `reconnectAfterMs` and then closes the old one once its
 * pending calls are answered; if the connection drops, it reconnects to a live gateway. Sends
 * are retried with the same clientMsgId after a retryable error.
 */
class RoamingClient {
  current!: TestClient;
  url!: string;
  readonly drainingNotices: ServerDraining[] = [];
  private pending = new Map<TestClient, number>();
  private moving?: Promise<void>;
  private readonly opened: TestClient[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set by close(): its own sockets' disconnects must not start a move, nor a move go on retrying. */
  private closed = false;

  constructor(
    private readonly token: string,
    private readonly deviceId: string,
    private readonly liveGateway: () => string,
    /** false: an old client that ignores server.draining and only notices its connection closing. */
    private readonly followsNotices = true,
  ) {}

  async connect(url: string): Promise<void> {
    const client = await TestClient.connect(url, this.token, this.deviceId);
    if (this.closed) return client.close();
    this.opened.push(client);
    this.current = client;
    this.url = url;
    client.socket.on(ServerEvent.ServerDraining, (notice: ServerDraining) => {
      this.drainingNotices.push(notice);
      if (this.followsNotices) this.later(() => void this.move(client), notice.reconnectAfterMs);
    });
    client.socket.on('disconnect', () => void this.move(client));
  }

  /** Replaces `from` with a connection to a live gateway (once), then lets `from` finish and close. */
  private move(from: TestClient): Promise<void> {
    if (from !== this.current || this.closed) return Promise.resolve();
    this.moving ??= (async () => {
      while (!this.closed) {
        try {
          await this.connect(this.liveGateway());
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      this.moving = undefined;
      if (this.closed) return;
      const closeWhenIdle = () => ((this.pending.get(from) ?? 0) === 0 ? from.close() : this.later(closeWhenIdle, 50));
      closeWhenIdle();
    })();
    return this.moving;
  }

  async call<T>(event: string, payload: unknown): Promise<Awaited<ReturnType<TestClient['call']>> | null> {
    await this.moving;
    const client = this.current;
    this.pending.set(client, (this.pending.get(client) ?? 0) + 1);
    try {
      return (await client.call<T>(event, payload, 10_000)) as Awaited<ReturnType<TestClient['call']>>;
    } catch {
      return null; // no ack at all
    } finally {
      this.pending.set(client, (this.pending.get(client) ?? 1) - 1);
    }
  }

  private later(work: () => void, ms: number): void {
    const timer = setTimeout(() => (this.timers.delete(timer), work()), ms);
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.opened.forEach((client) => client.close());
  }
}

describe('graceful drain: SIGTERM to one of two gateways and to one chat node while clients send', () => {
  let sys: TestSystem;
  let clients: RoamingClient[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({ gateways: 2, chatNodes: 2, env: { DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS) } });
  }, 60_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sys?.stop();
  });

  it('loses no acked message, fails no send without a retryable error, and ends with every client on the survivor', async () => {
    const [leaving, survivor] = sys.system.gatewayUrls;
    const admin = new AdminFactory(survivor, sys.adminToken);
    const { users } = await admin.orgWithUsers(['Ana', 'Ben', 'Cy', 'Dee', 'Eve', 'Flo']);
    const live = () => survivor;

    // Four clients on the gateway that will stop (one of them ignores server.draining and is
    // closed by the gateway), two on the survivor; one group conversation each.
    clients = await Promise.all(
      users.map(async (user, i) => {
        const client = new RoamingClient(user.token, `drain-${i}`, live, i !== 3);
        await client.connect(i < 4 ? leaving : survivor);
        return client;
      }),
    );
    const conversations: string[] = [];
    for (const [i, client] of clients.entries()) {
      const others = users.filter((_, j) => j !== i).map((u) => u.id);
      const ack = await client.call<{ conversation: Conversation }>('conversation.create', { kind: 'group', memberIds: others, title: `c${i}` });
      if (!ack?.ok) throw new Error(`conversation.create failed: ${JSON.stringify(ack)}`);
      conversations.push((ack.data as { conversation: Conversation }).conversation.id);
    }

    const acked = new Map<string, Message>();
    const errorCodes: string[] = [];
    // A send racing the gateway's close of a client that ignored the notice sees a disconnect instead of
    // an ack; the client retries it (same clientMsgId). Clients that follow the notice never see one.
    const missingAcks = new Map<RoamingClient, number>();
    let running = true;
    const sender = async (client: RoamingClient, conversationId: string) => {
      for (let n = 0; running; n++) {
        const clientMsgId = `${conversationId}-${n}`;
        for (;;) {
          const ack = await client.call<{ message: Message }>('message.send', { conversationId, clientMsgId, body: `m${n}` });
          if (ack?.ok) {
            acked.set(clientMsgId, (ack.data as { message: Message }).message);
            break;
          }
          if (ack) errorCodes.push(ack.error.code);
          else missingAcks.set(client, (missingAcks.get(client) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const senders = clients.map((client, i) => sender(client, conversations[i]));

    await new Promise((r) => setTimeout(r, 1500));
    const ackedBefore = acked.size;
    const started = Date.now();
    await Promise.all([sys.system.service('gateway').stop('SIGTERM', 15_000), sys.system.service('chat-0').stop('SIGTERM', 15_000)]);
    const stopMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(senders);

    console.log(`drain: ${acked.size} sends acked (${acked.size - ackedBefore} after SIGTERM), ${errorCodes.length} retried after ${[...new Set(errorCodes)].join(', ') || 'no error'}, ${missingAcks.get(clients[3]) ?? 0} after a forced close, both stopped in ${stopMs} ms`);
    // Both stopped by themselves, well before the SIGKILL fallback: the drain finished.
    expect(stopMs).toBeLessThan(DRAIN_WINDOW_MS + 8000);
    expect(acked.size).toBeGreaterThan(ackedBefore);
    expect(clients.filter((c, i) => i !== 3 && missingAcks.has(c))).toEqual([]);
    expect(errorCodes.filter((code) => !RETRYABLE.has(code))).toEqual([]);

    // The clients of the stopped gateway were told, each at its own time within the window.
    const notices = clients.slice(0, 4).map((c) => c.drainingNotices[0]);
    for (const notice of notices) {
      expect(notice.windowMs).toBe(DRAIN_WINDOW_MS);
      expect(notice.reconnectAfterMs).toBeGreaterThanOrEqual(0);
      expect(notice.reconnectAfterMs).toBeLessThan(DRAIN_WINDOW_MS);
    }
    expect(new Set(notices.map((n) => n.reconnectAfterMs)).size).toBe(notices.length);
    for (const client of clients) {
      expect(client.url).toBe(survivor);
      expect(client.current.connected).toBe(true);
    }

    // Every acked message is in history exactly once, at its acked seq, with no gaps.
    const reader = clients[5].current;
    for (const conversationId of conversations) {
      const stored: Message[] = [];
      for (let after = 0; ; ) {
        const page = await reader.ok<{ messages: Message[]; hasMore: boolean }>('history.fetch', { conversationId, afterSeq: after, limit: 100 });
        stored.push(...page.messages);
        if (!page.hasMore) break;
        after = page.messages[page.messages.length - 1].seq;
      }
      expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
      expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(stored.length);
      const bySeq = new Map(stored.map((m) => [m.seq, m]));
      for (const message of [...acked.values()].filter((m) => m.conversationId === conversationId)) {
        expect(bySeq.get(message.seq)?.clientMsgId).toBe(message.clientMsgId);
      }
    }
  }, 60_000);
});
