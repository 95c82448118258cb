import { hostname } from 'node:os';
import { z } from 'zod';
import { ChatRingEnv, DatabaseEnv, HealthEnv, MessageStreamEnv, NatsEnv, RuntimeEnv } from '@parley/config';

/** Host names may hold dots; a node id is a NATS subject token, so keep it to [A-Za-z0-9_-]. */
const defaultNodeId = `chat-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`;

export const ChatConfigSchema = z.object({
  ...RuntimeEnv.shape,
  ...NatsEnv.shape,
  ...DatabaseEnv.shape,
  ...ChatRingEnv.shape,
  ...MessageStreamEnv.shape,
  ...HealthEnv(3101).shape,
  /** This node's name on the hash ring and in its node-addressed subjects. */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default(defaultNodeId),
});
export type ChatConfig = z.infer<typeof ChatConfigSchema>;

/** Injection token of the validated ChatConfig. */
export const CHAT_CONFIG = Symbol('CHAT_CONFIG');
