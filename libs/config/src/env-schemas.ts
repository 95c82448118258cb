import { z } from 'zod';

const DEV_ADMIN_TOKEN = 'parley-dev-admin-token';
const DEV_JWT_SECRET = 'parley-dev-jwt-secret-change-me';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const RuntimeEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
});

export const NatsEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Every subject and the stream name live under this prefix (one NATS, several deployments or test runs). */
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('parley'),
  NATS_REQUEST_TIMEOUT_MS: positiveMs(5000),
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

export const AuthEnv = z.object({
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').default(DEV_ADMIN_TOKEN),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_JWT_SECRET),
  JWT_ISSUER: z.string().min(1).default('parley'),
  JWT_AUDIENCE: z.string().min(1).default('parley-clients'),
  JWT_DEFAULT_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 3600),
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

/** Production must not run on the documented development secrets. */
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
  return { url: config.NATS_URL, prefix: config.NATS_PREFIX, name: `${service}:${config.NODE_ID}`, requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS };
}
