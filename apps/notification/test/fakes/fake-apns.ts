import { generateKeyPairSync } from 'node:crypto';
import { createServer, Http2ServerRequest, Http2ServerResponse, Http2Session, IncomingHttpHeaders } from 'node:http2';
import { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { ResponseScript, ScriptedResponse } from './scripted-responses';

export interface ReceivedApnsPush {
  deviceToken: string;
  headers: IncomingHttpHeaders;
  payload: { aps: Record<string, unknown> } & Record<string, unknown>;
  /** The provider JWT the push carried. */
  providerToken: string;
}

export interface FakeApns {
  /** For APNS_ENDPOINT (h2c: HTTP/2 without TLS). */
  origin: string;
  /** Credentials to configure the provider with (a fresh P-256 .p8 key). */
  keyId: string;
  teamId: string;
  privateKey: string;
  bundleId: string;
  /** Pushes answered 200, in order. */
  received: ReceivedApnsPush[];
  /** Pushes refused by the fake's checks, with Apple's reason. */
  refused: { reason: string; detail: string }[];
  /** HTTP/2 connections opened by clients so far. */
  connections: number;
  /** Queue answers for the next pushes, e.g. `{ status: 410, body: { reason: 'Unregistered' } }`. */
  respondWith(...responses: ScriptedResponse[]): void;
  /** Ends every client connection (as APNs does at times): the client must reconnect. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** A stand-in for APNs' provider API (`POST /3/device/<token>`) that checks what Apple checks. */
export async function startFakeApns(): Promise<FakeApns> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sessions = new Set<Http2Session>();
  const script = new ResponseScript();
  const fake: Omit<FakeApns, 'origin' | 'close' | 'dropConnections'> = {
    keyId: 'KEY1234567',
    teamId: 'TEAM123456',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    bundleId: 'chat.parley.app',
    received: [],
    refused: [],
    connections: 0,
    respondWith: (...responses) => script.push(...responses),
  };

  const answer = (res: Http2ServerResponse, status: number, reason?: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'apns-id': 'fake', ...headers });
    res.end(reason ? JSON.stringify({ reason }) : '');
  };

  const handle = (req: Http2ServerRequest, body: Buffer, res: Http2ServerResponse) => {
    const refuse = (status: number, reason: string, detail: string) => {
      fake.refused.push({ reason, detail });
      answer(res, status, reason);
    };
    const deviceToken = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(req.url)?.[1];
    if (req.method !== 'POST') return refuse(405, 'MethodNotAllowed', req.method);
    if (!deviceToken) return refuse(404, 'BadPath', req.url);
    const providerToken = /^bearer (.+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
    try {
      const { header, payload } = jwt.verify(providerToken, publicKey, { algorithms: ['ES256'], complete: true });
      const claims = payload as jwt.JwtPayload;
      if (header.kid !== fake.keyId) throw new Error(`kid ${header.kid}`);
      if (claims.iss !== fake.teamId) throw new Error(`iss ${claims.iss}`);
      if (typeof claims.iat !== 'number' || claims.iat < Date.now() / 1000 - 3600) return refuse(403, 'ExpiredProviderToken', 'iat older than an hour');
    } catch (error) {
      return refuse(403, 'InvalidProviderToken', (error as Error).message);
    }
    if (req.headers['apns-topic'] !== fake.bundleId) return refuse(400, 'DeviceTokenNotForTopic', String(req.headers['apns-topic']));
    const pushType = req.headers['apns-push-type'];
    if (pushType !== 'alert' && pushType !== 'background') return refuse(400, 'InvalidPushType', String(pushType));
    if (Buffer.byteLength(String(req.headers['apns-collapse-id'] ?? '')) > 64) return refuse(400, 'BadCollapseId', 'longer than 64 bytes');
    let payload: ReceivedApnsPush['payload'];
    try {
      payload = JSON.parse(body.toString('utf8'));
      if (typeof payload.aps !== 'object' || payload.aps === null) throw new Error('no aps');
    } catch (error) {
      return refuse(400, 'PayloadEmpty', (error as Error).message);
    }
    const scripted = script.next();
    if (scripted === 'no-answer') return;
    if (scripted) return answer(res, scripted.status, (scripted.body as { reason?: string } | undefined)?.reason, scripted.headers);
    fake.received.push({ deviceToken, headers: req.headers, payload, providerToken });
    answer(res, 200);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  server.on('session', (session) => {
    fake.connections++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dropConnections = () => {
    for (const session of sessions) session.destroy();
  };
  return Object.assign(fake, {
    origin: `http://127.0.0.1:${port}`,
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  });
}
