import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

const DEV_ADMIN_TOKEN = 'parley-dev-admin-token';
const DEV_JWT_SECRET = 'parley-dev-jwt-secret-change-me';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const RuntimeEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** `json` (default): one JSON object per line, for the cluster's log pipeline; `text` for a terminal. */
  LOG_FORMAT: z.enum(['json', 'text']).default('json'),
});

export const NatsEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Every subject and the stream name live under this prefix (one NATS, several deployments or test runs). */
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('parley'),
  NATS_REQUEST_TIMEOUT_MS: positiveMs(5000),
  /** This service's NATS user and password (deploy/nats/nats-server.conf has one user per service). */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
});

/** `id=url` pairs, comma separated: the physical shards. */
const ShardUrls = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const shards = value.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return at > 0 ? { id: pair.slice(0, at).trim(), url: pair.slice(at + 1).trim() } : { id: '', url: pair };
    });
    if (shards.some((s) => !/^[a-z0-9-]+$/.test(s.id) || !s.url.startsWith('postgres'))) {
      ctx.addIssue({ code: 'custom', message: 'expected id=postgres://... pairs separated by commas (ids: a-z, 0-9, -)' });
      return z.NEVER;
    }
    if (new Set(shards.map((s) => s.id)).size !== shards.length) {
      ctx.addIssue({ code: 'custom', message: 'shard ids must be unique' });
      return z.NEVER;
    }
    return shards;
  });

export const DatabaseEnv = z.object({
  DIRECTORY_DATABASE_URL: z.string().startsWith('postgres').default('postgres://postgres@127.0.0.1:5432/parley_directory'),
  SHARD_DATABASE_URLS: ShardUrls.prefault(
    'shard-0=postgres://postgres@127.0.0.1:5432/parley_shard_0,shard-1=postgres://postgres@127.0.0.1:5432/parley_shard_1',
  ),
  /** Fixed for the life of a deployment: conversation ids embed their logical shard. */
  LOGICAL_SHARDS: z.coerce.number().int().min(1).max(4096).default(64),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});

/** A PEM public key; `\n` escapes are accepted so it fits in one environment line. */
const PublicKeyPem = z
  .string()
  .transform((value) => value.replace(/\\n/g, '\n'))
  .refine(
    (pem) => {
      try {
        const key = createPublicKey(pem);
        return key.asymmetricKeyType === 'rsa' || (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1');
      } catch {
        return false;
      }
    },
    { message: 'must be a PEM RSA or P-256 EC public key' },
  );

export const AuthEnv = z.object({
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').default(DEV_ADMIN_TOKEN),
  /** Signs the tokens the admin API issues (HS256); also verifies them. */
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().min(1).default('parley'),
  JWT_AUDIENCE: z.string().min(1).default('parley-clients'),
  JWT_DEFAULT_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 3600),
  /** An external identity provider's key (RS256 or ES256 tokens), as PEM. */
  JWT_PUBLIC_KEY: PublicKeyPem.optional(),
  /** An external identity provider's JWKS document (RS256/ES256 keys chosen by `kid`). */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How long fetched JWKS keys are used before the document is fetched again. */
  JWT_JWKS_CACHE_MS: positiveMs(10 * 60_000),
  /** At most one JWKS fetch per this interval, however many unknown `kid`s arrive. */
  JWT_JWKS_MIN_REFETCH_MS: positiveMs(30_000),
});

/** `<per second>:<burst>` (a token bucket), or `off`. */
export const RateLimit = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === 'off') return null;
    const match = /^(\d+(?:\.\d+)?):(\d+)$/.exec(value);
    const perSecond = Number(match?.[1]);
    const burst = Number(match?.[2]);
    if (!match || perSecond <= 0 || burst < 1) {
      ctx.addIssue({ code: 'custom', message: 'expected <per second>:<burst> with both above zero (e.g. 20:60), or off' });
      return z.NEVER;
    }
    return { perSecond, burst };
  });
export type RateLimit = z.infer<typeof RateLimit>;

const rateLimit = (fallback: string) => RateLimit.prefault(fallback);

/**
 * The gateway's protections against abuse. Every limit is a token bucket held in the
 * gateway process: with N gateways a client spread over them gets up to N times it.
 */
export const GatewayLimitsEnv = z.object({
  /** Master switch (tests of other features turn limits off: all their clients share 127.0.0.1). */
  RATE_LIMITS_ENABLED: z.stringbool().default(true),
  RATE_LIMIT_SEND_USER: rateLimit('20:60'),
  RATE_LIMIT_SEND_CONNECTION: rateLimit('10:40'),
  /** conversation.create and member changes. */
  RATE_LIMIT_CREATE_USER: rateLimit('2:20'),
  RATE_LIMIT_CREATE_CONNECTION: rateLimit('2:10'),
  RATE_LIMIT_TYPING_USER: rateLimit('5:10'),
  RATE_LIMIT_TYPING_CONNECTION: rateLimit('3:6'),
  RATE_LIMIT_SYNC_USER: rateLimit('5:20'),
  RATE_LIMIT_SYNC_CONNECTION: rateLimit('2:10'),
  /** Every other event and client REST call (reads, receipts, presence). */
  RATE_LIMIT_OTHER_USER: rateLimit('50:200'),
  RATE_LIMIT_OTHER_CONNECTION: rateLimit('30:100'),
  /** Socket.IO connection attempts per client IP. */
  RATE_LIMIT_CONNECT_IP: rateLimit('10:50'),
  /** Admin REST calls per client IP. */
  RATE_LIMIT_ADMIN_IP: rateLimit('20:200'),
  /** Live sockets of one user on one gateway. */
  MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Socket.IO frame cap (maxHttpBufferSize). A 4000-character body JSON-escaped needs 24 KiB at worst. */
  SOCKET_MAX_FRAME_BYTES: z.coerce.number().int().min(32 * 1024).max(1024 * 1024).default(64 * 1024),
  /** Browser Origins allowed (comma separated), `*` for any. Clients that send no Origin (apps, servers) are not affected. */
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .transform((value) => (value.trim() === '*' ? '*' : value.split(',').map((o) => o.trim()).filter(Boolean))),
  /** Take the client IP from X-Forwarded-For (only behind a proxy that sets it). */
  TRUST_PROXY: z.stringbool().default(false),
});

/** A health/metrics HTTP port for services that have no public API. */
export const HealthEnv = (fallback: number) => z.object({ HEALTH_PORT: port(fallback) });

export const GatewayEnv = z.object({
  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  /**
   * Groups with more members than this do not fan out per-user `delivered` receipts to
   * the other members (each message would cost members² events); `read` receipts and a
   * user's own devices are always told.
   */
  RECEIPT_FANOUT_MAX_MEMBERS: z.coerce.number().int().min(2).default(100),
  /**
   * On SIGTERM the gateway asks its clients to reconnect elsewhere spread over this window
   * (not all at once), then closes what is left. Keep it under the pod's grace period.
   */
  DRAIN_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * The listening socket's accept queue. When a restarted gateway meets all its clients at
   * once, connections beyond the queue are dropped by the kernel and each client's TCP waits
   * 1, 2, 4… s to try again; queued ones are served as soon as the gateway gets to them.
   * Node's default is 511; the kernel caps it at net.core.somaxconn (4096 on Linux ≥ 5.4).
   */
  LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
});

export const ChatRingEnv = z.object({
  CHAT_HEARTBEAT_MS: positiveMs(1000),
  /** A chat node not heard from for this long leaves the ring. */
  CHAT_NODE_TTL_MS: positiveMs(3000),
  /**
   * How long the gateway waits for a chat node's answer before asking the conversation's
   * owner again: a request caught by a node's crash is retried after this, not after
   * the general NATS timeout (node commands are idempotent).
   */
  CHAT_COMMAND_TIMEOUT_MS: positiveMs(2000),
});

/** The JetStream message stream: replicas = the NATS cluster's size in production (3), 1 on a single server. */
export const MessageStreamEnv = z.object({
  MESSAGE_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});

/**
 * Presence timing shared by gateways (how often they report their sessions) and the presence
 * service (how long it trusts a silent gateway). Use `requireHeartbeatWithinTtl` on the service schema.
 */
export const PresenceTimingEnv = z.object({
  PRESENCE_HEARTBEAT_MS: positiveMs(5000),
  /** A gateway not heard from for this long is presumed dead: its users go offline. */
  PRESENCE_SESSION_TTL_MS: positiveMs(15_000),
});

/** At least two heartbeats must fit in the TTL, or one late heartbeat would take users offline. */
export function requireHeartbeatWithinTtl<T extends z.infer<typeof PresenceTimingEnv>>(config: T, ctx: z.RefinementCtx): void {
  if (config.PRESENCE_HEARTBEAT_MS * 2 > config.PRESENCE_SESSION_TTL_MS) {
    ctx.addIssue({ code: 'custom', path: ['PRESENCE_HEARTBEAT_MS'], message: 'must be at most half of PRESENCE_SESSION_TTL_MS' });
  }
}

/**
 * Production must not run on the documented development secrets, nor with one
 * secret serving as both the admin token and the token signing key.
 */
export function refuseDevSecretsInProduction<T extends { NODE_ENV: string; ADMIN_TOKEN?: string; JWT_SECRET?: string }>(
  config: T,
  ctx: z.RefinementCtx,
): void {
  if (config.NODE_ENV !== 'production') return;
  if (config.ADMIN_TOKEN === DEV_ADMIN_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKEN'], message: 'must be set in production (the development default is refused)' });
  }
  if (config.JWT_SECRET === DEV_JWT_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be set in production (the development default is refused)' });
  }
  if (config.ADMIN_TOKEN !== undefined && config.ADMIN_TOKEN === config.JWT_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must differ from ADMIN_TOKEN in production' });
  }
}

export const DEV_DEFAULTS = { ADMIN_TOKEN: DEV_ADMIN_TOKEN, JWT_SECRET: DEV_JWT_SECRET } as const;

/** This process's name among its service's replicas (the pod name in Kubernetes). */
export const NodeIdEnv = (service: string) =>
  z.object({
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default(`${service}-${process.pid}`),
  });

/** NatsBus options from a validated config. */
export function natsOptions(config: z.infer<typeof NatsEnv> & { NODE_ID: string }, service: string) {
  return {
    url: config.NATS_URL,
    prefix: config.NATS_PREFIX,
    name: `${service}:${config.NODE_ID}`,
    requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
  };
}
