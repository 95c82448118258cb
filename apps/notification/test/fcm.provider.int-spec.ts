import { generateKeyPairSync } from 'node:crypto';
import { FcmProvider } from '../src/providers/fcm.provider';
import { FakeFcm, startFakeFcm } from './fakes';
import { REFUSED_ORIGIN, sampleAlert, sampleClear } from './sample-notifications';

describe('FcmProvider against a fake FCM v1 API and token endpoint', () => {
  let fcm: FakeFcm;
  let provider: FcmProvider;
  const target = { platform: 'fcm' as const, token: 'fcm-registration-token-1' };
  // Generous: on a loaded machine a token fetch plus a send took over half a second, and a
  // timed-out send is a retry without the answer a test waits for. The timeout test sets its own.
  const requestTimeoutMs = 10_000;

  beforeEach(async () => {
    fcm = await startFakeFcm();
    provider = new FcmProvider({ serviceAccount: fcm.serviceAccount, endpoint: fcm.origin, requestTimeoutMs });
  });
  afterEach(() => fcm.close());

  it('sends an alert as a notification message with Android and APNs options', async () => {
    const notification = sampleAlert();
    await expect(provider.send(target, notification)).resolves.toEqual({ status: 'sent' });
    expect(fcm.refused).toEqual([]);
    const { message } = fcm.received[0];
    expect(message).toMatchObject({
      token: target.token,
      notification: { title: notification.title, body: notification.body },
      data: { ...notification.data, kind: 'alert', collapseKey: notification.collapseKey, badge: '3' },
      android: { collapse_key: notification.collapseKey, priority: 'high', ttl: '3600s', notification: { tag: notification.collapseKey, notification_count: 3 } },
      apns: {
        headers: { 'apns-collapse-id': notification.collapseKey, 'apns-priority': '10', 'apns-push-type': 'alert' },
        payload: { aps: { badge: 3, sound: 'default', 'thread-id': notification.collapseKey } },
      },
    });
    expect(Number(message.apns.headers['apns-expiration'])).toBeCloseTo(Date.now() / 1000 + 3600, -1);
  });

  it('sends a clear as a data-only message that wakes the app silently', async () => {
    await expect(provider.send(target, sampleClear())).resolves.toEqual({ status: 'sent' });
    const { message } = fcm.received[0];
    expect(message.notification).toBeUndefined();
    expect(message.android).toEqual({ collapse_key: sampleClear().collapseKey, priority: 'normal', ttl: '600s' });
    expect(message.apns).toMatchObject({ headers: { 'apns-push-type': 'background', 'apns-priority': '5' }, payload: { aps: { badge: 0, 'content-available': 1 } } });
  });

  it('reuses one access token across sends', async () => {
    await Promise.all([provider.send(target, sampleAlert()), provider.send(target, sampleAlert())]);
    await provider.send(target, sampleClear());
    expect(fcm.issuedTokens).toHaveLength(1);
    expect(fcm.received.map((r) => r.accessToken)).toEqual(Array(3).fill(fcm.issuedTokens[0]));
  });

  it('fetches a new access token once after a 401, and gives up if that one is refused too', async () => {
    await provider.send(target, sampleAlert());
    fcm.revokeAccessTokens();
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'sent' });
    expect(fcm.issuedTokens).toHaveLength(2);
    expect(fcm.received[1].accessToken).toBe(fcm.issuedTokens[1]);

    fcm.respondWith({ status: 401, body: { error: { status: 'UNAUTHENTICATED' } } }, { status: 401, body: { error: { status: 'UNAUTHENTICATED' } } });
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('HTTP 401') });
    expect(fcm.issuedTokens).toHaveLength(3);
  });

  it('reports unregistered and invalid registration tokens as gone, other invalid arguments as rejected', async () => {
    fcm.respondWith(
      { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } } },
      { status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' } } },
      { status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] }] } } },
      { status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: "Invalid value at 'message.android.ttl'" } } },
    );
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'gone', reason: expect.stringContaining('UNREGISTERED') });
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'gone' });
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'gone' });
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('message.android.ttl') });
  });

  it('retries quota and availability errors with their Retry-After', async () => {
    fcm.respondWith(
      { status: 429, headers: { 'retry-after': '30' }, body: { error: { status: 'RESOURCE_EXHAUSTED', details: [{ errorCode: 'QUOTA_EXCEEDED' }] } } },
      { status: 503, body: { error: { status: 'UNAVAILABLE' } } },
    );
    await expect(provider.send(target, sampleAlert())).resolves.toMatchObject({ status: 'retry', retryAfterMs: 30_000 });
    await expect(provider.send(target, sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'HTTP 503 UNAVAILABLE' });
  });

  it('gives up on a silent FCM after the request timeout, as a retry', async () => {
    const impatient = new FcmProvider({ serviceAccount: fcm.serviceAccount, endpoint: fcm.origin, requestTimeoutMs: 500 });
    await impatient.send(target, sampleAlert()); // holds an access token now: the timed request is the send
    fcm.respondWith('no-answer');
    const started = Date.now();
    await expect(impatient.send(target, sampleAlert())).resolves.toEqual({ status: 'retry', reason: 'timed out' });
    expect(Date.now() - started).toBeLessThan(requestTimeoutMs / 2);
  });

  it('rejects every push when Google refuses the service account, and retries when it cannot be reached', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = new FcmProvider({ serviceAccount: { ...fcm.serviceAccount, private_key: otherKey }, endpoint: fcm.origin, requestTimeoutMs });
    await expect(forged.send(target, sampleAlert())).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('token endpoint answered 400') });
    expect(fcm.refused[0]).toMatch(/bad assertion: invalid signature/);

    const unreachable = new FcmProvider({ serviceAccount: { ...fcm.serviceAccount, token_uri: `${REFUSED_ORIGIN}/token` }, endpoint: fcm.origin, requestTimeoutMs });
    await expect(unreachable.send(target, sampleAlert())).resolves.toMatchObject({ status: 'retry', reason: expect.stringContaining('token endpoint unreachable') });
  });
});
