import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { answerJson, answerScripted, ResponseScript, ScriptedResponse, startFakeHttpServer } from './scripted-responses';

const PROJECT_ID = 'parley-test';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export interface FakeFcmServiceAccount {
  type: 'service_account';
  project_id: string;
  client_email: string;
  private_key: string;
  token_uri: string;
}

export interface ReceivedFcmMessage {
  accessToken: string;
  message: FcmMessage;
}

export interface FakeFcm {
  /** For FCM_ENDPOINT. */
  origin: string;
  /** A freshly generated account whose token_uri is this fake (JSON.stringify it for FCM_SERVICE_ACCOUNT_JSON). */
  serviceAccount: FakeFcmServiceAccount;
  /** Access tokens issued, in order. */
  issuedTokens: string[];
  /** Messages accepted (200), in order. */
  received: ReceivedFcmMessage[];
  /** Requests refused by the fake's own checks (bad assertion, bad bearer, bad message shape). */
  refused: string[];
  /** Queue answers for the next messages:send calls (checks run first). */
  respondWith(...responses: ScriptedResponse[]): void;
  /** Every issued access token stops being accepted (as when Google revokes them early). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const strings = z.record(z.string(), z.string());
/** The parts of the v1 Message schema Parley uses; unknown fields are refused as FCM does. */
const FcmMessage = z.strictObject({
  token: z.string().min(1),
  notification: z.strictObject({ title: z.string().optional(), body: z.string().optional() }).optional(),
  data: strings,
  android: z.strictObject({
    collapse_key: z.string(),
    priority: z.enum(['normal', 'high']),
    ttl: z.string().regex(/^\d+(\.\d+)?s$/),
    notification: z.strictObject({ tag: z.string().optional(), notification_count: z.int().optional() }).optional(),
  }),
  apns: z.strictObject({ headers: strings, payload: z.object({ aps: z.record(z.string(), z.unknown()) }) }),
});
export type FcmMessage = z.infer<typeof FcmMessage>;

/** A stand-in for Google's OAuth token endpoint and the FCM v1 send endpoint. */
export async function startFakeFcm(): Promise<FakeFcm> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const validTokens = new Set<string>();
  const issuedTokens: string[] = [];
  const received: ReceivedFcmMessage[] = [];
  const refused: string[] = [];
  const script = new ResponseScript();
  let tokenUri = '';

  const refuse = (res: ServerResponse, status: number, googleStatus: string, message: string) => {
    refused.push(message);
    answerJson(res, status, { error: { code: status, status: googleStatus, message } });
  };

  const issueToken = (body: Buffer, res: ServerResponse) => {
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(res, 400, 'invalid_grant', 'wrong grant_type');
    try {
      const claims = jwt.verify(form.get('assertion') ?? '', publicKey, { algorithms: ['RS256'], audience: tokenUri, issuer: account.client_email }) as jwt.JwtPayload;
      if (claims.scope !== SCOPE) throw new Error(`scope ${claims.scope}`);
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 3600) throw new Error('exp must be at most 1 h after iat');
    } catch (error) {
      return refuse(res, 400, 'invalid_grant', `bad assertion: ${(error as Error).message}`);
    }
    const accessToken = `ya29.${randomUUID()}`;
    validTokens.add(accessToken);
    issuedTokens.push(accessToken);
    answerJson(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  };

  const sendMessage = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const accessToken = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!validTokens.has(accessToken)) return refuse(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const parsed = FcmMessage.safeParse(parseJsonBody(body)?.message);
    if (!parsed.success) return refuse(res, 400, 'INVALID_ARGUMENT', `bad message: ${z.prettifyError(parsed.error)}`);
    if (answerScripted(script.next(), res)) return;
    received.push({ accessToken, message: parsed.data });
    answerJson(res, 200, { name: `projects/${PROJECT_ID}/messages/${randomUUID()}` });
  };

  const server = await startFakeHttpServer((req, body, res) => {
    if (req.method === 'POST' && req.url === '/token') return issueToken(body, res);
    if (req.method === 'POST' && req.url === `/v1/projects/${PROJECT_ID}/messages:send`) return sendMessage(req, body, res);
    refuse(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.url}`);
  });
  tokenUri = `${server.origin}/token`;
  const account: FakeFcmServiceAccount = {
    type: 'service_account',
    project_id: PROJECT_ID,
    client_email: `parley-push@${PROJECT_ID}.iam.gserviceaccount.com`,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    token_uri: tokenUri,
  };
  return {
    origin: server.origin,
    serviceAccount: account,
    issuedTokens,
    received,
    refused,
    respondWith: (...responses) => script.push(...responses),
    revokeAccessTokens: () => validTokens.clear(),
    close: () => server.close(),
  };
}

function parseJsonBody(body: Buffer): { message?: unknown } | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as { message?: unknown };
  } catch {
    return undefined;
  }
}
