import { AckPolicy } from 'nats';
import { Conversation, Subjects } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { AdminFactory, connectTestBus, startTestSystem, TestClient, TestSystem } from '@parley/testing';

/** Prometheus text → `name{labels}` → value (one sample per line). */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include every `label="value"` given. */
function total(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

/** The HTTP address a service printed when it started (health and metrics live there). */
function listeningUrl(sys: TestSystem, service: string): string {
  const line = sys.system.service(service).lastLines.find((l) => l.includes('listening on'));
  const port = line?.match(/listening on http:\/\/\S+:(\d+)/)?.[1];
  if (!port) throw new Error(`${service} did not print its address: ${sys.system.service(service).lastLines.join('\n')}`);
  return `http://127.0.0.1:${port}`;
}

describe('metrics: /metrics on the gateway and a chat node move with traffic', () => {
  let sys: TestSystem;
  let bus: NatsBus;

  beforeAll(async () => {
    // LOG_LEVEL log: the services print their address (health ports are random in tests).
    sys = await startTestSystem({ env: { LOG_LEVEL: 'log' } });
    bus = await connectTestBus(sys.natsPrefix);
  });

  afterAll(async () => {
    await bus?.close();
    await sys?.stop();
  });

  it('counts connections, events, send latency, NATS and DB latency, errors by code and consumer lag', async () => {
    const chatUrl = listeningUrl(sys, 'chat-0');
    // A durable consumer that reads nothing: its lag must show on the chat node (which owns the stream).
    const jsm = await bus.connection.jetstreamManager();
    await jsm.consumers.add(Subjects.streamName(sys.natsPrefix), { durable_name: 'metrics-probe', ack_policy: AckPolicy.Explicit });

    const gatewayBefore = await scrape(sys.url);
    const chatBefore = await scrape(chatUrl);

    const admin = new AdminFactory(sys.url, sys.adminToken);
    const { users } = await admin.orgWithUsers(['Ana', 'Ben']);
    const client = await TestClient.connect(sys.url, users[0].token, 'metrics');
    const { conversation } = await client.ok<{ conversation: Conversation }>('conversation.create', { kind: 'direct', memberIds: [users[1].id] });
    const sends = 5;
    for (let i = 0; i < sends; i++) await client.ok('message.send', { conversationId: conversation.id, clientMsgId: `m${i}`, body: `hello ${i}` });
    const bad = await client.call('message.send', { conversationId: conversation.id, body: 'no clientMsgId' });
    expect(bad.ok).toBe(false);

    const gateway = await scrape(sys.url);
    const chat = await scrape(chatUrl);
    const moved = (after: Map<string, number>, before: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);

    expect(total(gateway, 'parley_socket_connections')).toBeGreaterThanOrEqual(1);
    expect(moved(gateway, gatewayBefore, 'parley_events_in_total', { transport: 'socket', event: 'message.send' })).toBe(sends + 1);
    expect(moved(gateway, gatewayBefore, 'parley_events_out_total', { transport: 'socket', event: 'message.new' })).toBe(sends);
    expect(moved(gateway, gatewayBefore, 'parley_message_send_duration_seconds_count', { outcome: 'ok' })).toBe(sends);
    expect(moved(gateway, gatewayBefore, 'parley_message_send_duration_seconds_sum', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(moved(gateway, gatewayBefore, 'parley_nats_request_duration_seconds_count', { command: 'chat.message.send', outcome: 'ok' })).toBe(sends);
    expect(moved(gateway, gatewayBefore, 'parley_errors_total', { surface: 'socket', code: 'BAD_REQUEST' })).toBe(1);
    expect(total(gateway, 'process_cpu_seconds_total', { service: 'gateway' })).toBeGreaterThan(0);

    expect(moved(chat, chatBefore, 'parley_events_in_total', { transport: 'nats', event: 'chat.message.send' })).toBe(sends);
    expect(moved(chat, chatBefore, 'parley_db_query_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(sends);
    expect(total(chat, 'parley_db_query_duration_seconds_count', { database: 'directory' })).toBeGreaterThan(0);
    expect(moved(chat, chatBefore, 'parley_events_out_total', { transport: 'nats', event: 'message.created' })).toBe(sends);
    // message.created and conversation.changed events wait in the stream for the idle consumer.
    expect(total(chat, 'parley_jetstream_consumer_pending', { consumer: 'metrics-probe' })).toBeGreaterThanOrEqual(sends);
    client.close();
  });
});
