import webpush from 'web-push';
import { hashedCollapseKey } from '../src/providers/collapse-key';
import { WebPushProvider } from '../src/providers/web-push.provider';
import { startWebPushReceiver, WebPushReceiver } from './fakes';
import { REFUSED_ORIGIN, sampleAlert, sampleClear } from './sample-notifications';

describe('WebPushProvider against a checking push service', () => {
  let receiver: WebPushReceiver;
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@parley.test' };
  const provider = new WebPushProvider({ vapid, requestTimeoutMs: 500 });

  beforeEach(async () => (receiver = await startWebPushReceiver()));
  afterEach(() => receiver.close());

  const target = (name = 'laptop') => ({ platform: 'webpush' as const, subscription: receiver.subscriptionFor(name) });

  it('delivers an alert the browser decrypts to exactly the service-worker payload, with VAPID the push service accepts', async () => {
    const notification = sampleAlert();
    await expect(provider.send(target('laptop'), notification)).resolves.toEqual({ status: 'sent' });
    expect(receiver.refused).toEqual([]);
    expect(receiver.received).toHaveLength(1);
    const [push] = receiver.received;
    expect(push.deviceName).toBe('laptop');
    expect(push.payload).toEqual({
      kind: 'alert',
      title: 'Ada in #general',
      body: 'Lunch at noon?',
      badge: 3,
      data: notification.data,
      collapseKey: notification.collapseKey,
    });
    expect(push.headers).toMatchObject({ ttl: '3600', urgency: 'high', topic: hashedCollapseKey(notification.collapseKey) });
    expect(push.headers.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('sends a clear at normal urgency without lock-screen text', async () => {
    await expect(provider.send(target(), sampleClear())).resolves.toEqual({ status: 'sent' });
    expect(receiver.received[0].payload).toEqual({ kind: 'clear', badge: 0, data: sampleClear().data, collapseKey: sampleClear().collapseKey });
    expect(receiver.received[0].headers).toMatchObject({ ttl: '600', urgency: 'normal' });
  });

  it('reports a dead subscription (410, 404) as gone', async () => {
    receiver.respondWith({ status: 410 }, { status: 404 });
    await expect(provider.send(target(), sampleAlert())).resolves.toMatchObject({ status: 'gone', reason: 'HTTP 410' });
    await expect(provider.send(target(), sampleAlert())).resolves.toMatchObject({ status: 'gone', reason: 'HTTP 404' });
  });

  it('retries 429 and 5xx, honouring Retry-After in seconds or as an HTTP date', async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    receiver.respondWith({ status: 429, headers: { 'retry-after': '120' } }, { status: 503, headers: { 'retry-after': inAMinute } }, { status: 500 });
    await expect(provider.send(target(), sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'HTTP 429', retryAfterMs: 120_000 });
    const dated = await provider.send(target(), sampleAlert());
    expect(dated).toMatchObject({ status: 'retry', reason: 'HTTP 503' });
    expect(dated.status === 'retry' && dated.retryAfterMs).toBeGreaterThan(55_000);
    await expect(provider.send(target(), sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'HTTP 500' });
  });

  it('answers one device from its own script, the others normally', async () => {
    receiver.respondTo('old-browser', { status: 410 });
    await expect(provider.send(target('laptop'), sampleAlert())).resolves.toEqual({ status: 'sent' });
    await expect(provider.send(target('old-browser'), sampleAlert())).resolves.toMatchObject({ status: 'gone' });
    expect(receiver.received.map((p) => p.deviceName)).toEqual(['laptop']);
  });

  it('rejects what the push service refuses for good (413 payload too large)', async () => {
    receiver.respondWith({ status: 413, body: { reason: 'too large' } });
    await expect(provider.send(target(), sampleAlert())).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('HTTP 413') });
  });

  it('gives up on a silent push service after the request timeout, as a retry', async () => {
    receiver.respondWith('no-answer');
    const started = Date.now();
    await expect(provider.send(target(), sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'timed out' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries when the push service cannot be reached', async () => {
    const subscription = { ...receiver.subscriptionFor('phone'), endpoint: `${REFUSED_ORIGIN}/push/x` };
    await expect(provider.send({ platform: 'webpush', subscription }, sampleAlert())).resolves.toMatchObject({ status: 'retry', reason: expect.stringContaining('network error') });
  });

  it('is caught by the receiver when VAPID or encryption is wrong (the checks are real)', async () => {
    const otherKeys = webpush.generateVAPIDKeys();
    const forged = new WebPushProvider({ vapid: { ...vapid, publicKey: otherKeys.publicKey }, requestTimeoutMs: 500 });
    await expect(forged.send(target(), sampleAlert())).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('HTTP 400') });
    expect(receiver.refused[0].reason).toMatch(/signature/);

    const subscription = receiver.subscriptionFor('tablet');
    const wrongSecret = { ...subscription, keys: { ...subscription.keys, auth: Buffer.alloc(16, 7).toString('base64url') } };
    await expect(provider.send({ platform: 'webpush', subscription: wrongSecret }, sampleAlert())).resolves.toMatchObject({ status: 'rejected' });
    expect(receiver.refused[1].reason).toMatch(/authenticate/);
    expect(receiver.received).toEqual([]);
  });

  it('refuses a target of another platform without sending', async () => {
    await expect(provider.send({ platform: 'fcm', token: 'x' }, sampleAlert())).resolves.toMatchObject({ status: 'rejected' });
  });
});
