import { ApnsProvider } from '../src/providers/apns.provider';
import { FakeApns, startFakeApns } from './fakes';
import { REFUSED_ORIGIN, sampleAlert, sampleClear } from './sample-notifications';

describe('ApnsProvider against a fake APNs (HTTP/2)', () => {
  let apns: FakeApns;
  let provider: ApnsProvider;
  const target = { platform: 'apns' as const, token: 'a1'.repeat(32) };

  const providerFor = (fake: FakeApns, overrides: Partial<ConstructorParameters<typeof ApnsProvider>[0]> = {}) =>
    new ApnsProvider({ keyId: fake.keyId, teamId: fake.teamId, privateKey: fake.privateKey, bundleId: fake.bundleId, origin: fake.origin, requestTimeoutMs: 500, ...overrides });

  beforeEach(async () => {
    apns = await startFakeApns();
    provider = providerFor(apns);
  });
  afterEach(async () => {
    await provider.close();
    await apns.close();
  });

  it('sends an alert with the headers and aps payload Apple expects', async () => {
    const notification = sampleAlert();
    await expect(provider.send(target, notification)).resolves.toEqual({ status: 'sent' });
    expect(apns.refused).toEqual([]);
    const [push] = apns.received;
    expect(push.deviceToken).toBe(target.token);
    expect(push.headers).toMatchObject({ 'apns-topic': apns.bundleId, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': notification.collapseKey });
    expect(Number(push.headers['apns-expiration'])).toBeCloseTo(Date.now() / 1000 + 3600, -1);
    expect(push.payload).toEqual({
      ...notification.data,
      aps: { alert: { title: notification.title, body: notification.body }, badge: 3, sound: 'default', 'thread-id': notification.collapseKey },
    });
  });

  it('sends a clear as a background push', async () => {
    await expect(provider.send(target, sampleClear())).resolves.toEqual({ status: 'sent' });
    expect(apns.received[0].headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' });
    expect(apns.received[0].payload).toEqual({ ...sampleClear().data, aps: { 'content-available': 1, badge: 0 } });
  });

  it('reuses one provider token and one connection across sends, and reconnects when the connection drops', async () => {
    await Promise.all([provider.send(target, sampleAlert()), provider.send(target, sampleAlert())]);
    await provider.send(target, sampleClear());
    expect(new Set(apns.received.map((p) => p.providerToken)).size).toBe(1);
    expect(apns.connections).toBe(1);

    apns.dropConnections();
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'sent' });
    expect(apns.connections).toBe(2);
    expect(apns.received[3].providerToken).toBe(apns.received[0].providerToken);
  });

  it('reports Unregistered (410) and BadDeviceToken (400) as gone', async () => {
    apns.respondWith({ status: 410, body: { reason: 'Unregistered' } }, { status: 400, body: { reason: 'BadDeviceToken' } });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'gone', reason: 'HTTP 410 Unregistered' });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'gone', reason: 'HTTP 400 BadDeviceToken' });
  });

  it('retries 429 and 503, honouring Retry-After', async () => {
    apns.respondWith({ status: 429, body: { reason: 'TooManyRequests' }, headers: { 'retry-after': '5' } }, { status: 503, body: { reason: 'ServiceUnavailable' } });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'HTTP 429 TooManyRequests', retryAfterMs: 5000 });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'HTTP 503 ServiceUnavailable' });
  });

  it('rejects other refusals with Apple’s reason', async () => {
    apns.respondWith({ status: 413, body: { reason: 'PayloadTooLarge' } });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'rejected', reason: 'HTTP 413 PayloadTooLarge' });
    const wrongApp = providerFor(apns, { bundleId: 'com.example.other' });
    await expect(wrongApp.send(target, sampleAlert())).resolves.toEqual({ status: 'rejected', reason: 'HTTP 400 DeviceTokenNotForTopic' });
    await wrongApp.close();
  });

  it('signs a new provider token once when Apple says it expired', async () => {
    apns.respondWith({ status: 403, body: { reason: 'ExpiredProviderToken' } });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'sent' });
    expect(apns.received).toHaveLength(1);
  });

  it('is refused by the fake when signed with another key (the check is real)', async () => {
    const other = await startFakeApns();
    const forged = providerFor(apns, { privateKey: other.privateKey });
    await expect(forged.send(target, sampleAlert())).resolves.toEqual({ status: 'rejected', reason: 'HTTP 403 InvalidProviderToken' });
    await forged.close();
    await other.close();
  });

  it('gives up on a silent APNs after the request timeout, then sends on the same connection', async () => {
    apns.respondWith('no-answer');
    const started = Date.now();
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'timed out' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'sent' });
  });

  it('retries when APNs cannot be reached', async () => {
    const unreachable = providerFor(apns, { origin: REFUSED_ORIGIN });
    await expect(unreachable.send(target, sampleAlert())).resolves.toMatchObject({ status: 'retry', reason: expect.stringContaining('network error') });
    await unreachable.close();
  });
});
