import { z } from 'zod';
import {
  AuthEnv,
  ChatRingEnv,
  GatewayEnv,
  GatewayLimitsEnv,
  NatsEnv,
  NodeIdEnv,
  PresenceTimingEnv,
  refuseDevSecretsInProduction,
  requireHeartbeatWithinTtl,
  RuntimeEnv,
} from '@parley/config';

export const GatewayConfigSchema = z
  .object({
    ...RuntimeEnv.shape,
    ...NatsEnv.shape,
    ...AuthEnv.shape,
    ...GatewayEnv.shape,
    ...GatewayLimitsEnv.shape,
    ...ChatRingEnv.shape,
    ...NodeIdEnv('gateway').shape,
    ...PresenceTimingEnv.shape,
    /** Most users one socket may follow with presence.subscribe (each costs one map entry here). */
    PRESENCE_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(10_000).default(500),
  })
  .superRefine(refuseDevSecretsInProduction)
  .superRefine(requireHeartbeatWithinTtl);
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/** Injection token for the validated GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
