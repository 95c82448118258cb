import { createECDH, createPublicKey, ECDH, randomBytes, randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import { WebPushSubscription } from '@parley/contracts';
import { answerJson, answerScripted, ResponseScript, ScriptedResponse, startFakeHttpServer } from './scripted-responses';
import { decryptWebPush } from './web-push-decrypt';

export interface ReceivedWebPush {
  deviceName: string;
  subscriptionEndpoint: string;
  headers: IncomingHttpHeaders;
  /** The decrypted payload, parsed as JSON. */
  payload: unknown;
}

export interface RefusedWebPush {
  subscriptionEndpoint: string;
  reason: string;
}

export interface WebPushReceiver {
  origin: string;
  /** A new browser subscription (fresh P-256 key pair and auth secret) whose pushes this receiver decrypts. */
  subscriptionFor(deviceName: string): WebPushSubscription;
  /** Pushes that passed VAPID and decryption and were answered 201, in arrival order. */
  received: ReceivedWebPush[];
  /** Pushes answered 400: bad VAPID, undecryptable, unknown subscription. */
  refused: RefusedWebPush[];
  /** Queue answers for the next pushes (410, 429 with Retry-After, 500, 'no-answer'); checks still run first. */
  respondWith(...responses: ScriptedResponse[]): void;
  /** Queue answers for the next pushes to one device only (used before the shared queue). */
  respondTo(deviceName: string, ...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

interface Browser {
  deviceName: string;
  keys: ECDH;
  auth: Buffer;
}

/**
 * A stand-in push service (RFC 8030) that checks what a browser's push service checks:
 * the VAPID JWT (RFC 8292) and the aes128gcm encryption (RFC 8291), decrypting each push
 * with the subscription's private key.
 */
export async function startWebPushReceiver(): Promise<WebPushReceiver> {
  const browsers = new Map<string, Browser>();
  const received: ReceivedWebPush[] = [];
  const refused: RefusedWebPush[] = [];
  const script = new ResponseScript();
  const deviceScripts = new Map<string, ResponseScript>();
  let origin = '';

  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const endpoint = `${origin}${req.url}`;
    const browser = browsers.get(req.url ?? '');
    let payload: unknown;
    try {
      if (req.method !== 'POST') throw new Error(`method ${req.method}`);
      if (!browser) throw new Error('unknown subscription');
      checkVapid(req.headers.authorization, origin);
      checkHeaders(req.headers);
      payload = JSON.parse(decryptWebPush(body, browser.keys, browser.auth).toString('utf8'));
    } catch (error) {
      refused.push({ subscriptionEndpoint: endpoint, reason: (error as Error).message });
      answerJson(res, 400, { reason: (error as Error).message });
      return;
    }
    if (answerScripted(deviceScripts.get(browser.deviceName)?.next() ?? script.next(), res)) return;
    received.push({ deviceName: browser.deviceName, subscriptionEndpoint: endpoint, headers: req.headers, payload });
    res.writeHead(201, { location: `${endpoint}/messages/${randomUUID()}` }).end();
  };

  const server = await startFakeHttpServer(handle);
  origin = server.origin;
  return {
    origin,
    received,
    refused,
    respondWith: (...responses) => script.push(...responses),
    respondTo(deviceName, ...responses) {
      const deviceScript = deviceScripts.get(deviceName) ?? new ResponseScript();
      deviceScript.push(...responses);
      deviceScripts.set(deviceName, deviceScript);
    },
    close: () => server.close(),
    subscriptionFor(deviceName) {
      const keys = createECDH('prime256v1');
      keys.generateKeys();
      const auth = randomBytes(16);
      const path = `/push/${randomUUID()}`;
      browsers.set(path, { deviceName, keys, auth });
      return { endpoint: `${origin}${path}`, expirationTime: null, keys: { p256dh: keys.getPublicKey('base64url'), auth: auth.toString('base64url') } };
    },
  };
}

/** RFC 8292: `vapid t=<ES256 JWT>, k=<P-256 public key>`; aud is the push service's origin; exp at most 24 h away. */
function checkVapid(authorization: string | undefined, origin: string): void {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`Authorization is not "vapid t=..., k=...": ${authorization}`);
  const [, token, k] = match;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const claims = jwt.verify(token, publicKey, { algorithms: ['ES256'], audience: origin }) as jwt.JwtPayload;
  const nowS = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp > nowS + 24 * 3600) throw new Error('exp must be within 24 hours');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error('sub must be a mailto: or https: contact');
}

function checkHeaders(headers: IncomingHttpHeaders): void {
  if (headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${headers['content-encoding']}, expected aes128gcm`);
  if (!/^\d+$/.test(String(headers.ttl))) throw new Error('TTL header missing');
  const topic = headers.topic;
  if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(topic))) throw new Error(`Topic ${topic} is not ≤32 base64url characters`);
}
