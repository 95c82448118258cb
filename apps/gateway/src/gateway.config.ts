import { z } from 'zod';
import { AuthEnv, ChatRingEnv, GatewayEnv, GatewayLimitsEnv, NatsEnv, NodeIdEnv, refuseDevSecretsInProduction, RuntimeEnv } from '@parley/config';

export const GatewayConfigSchema = z
  .object({
    ...RuntimeEnv.shape,
    ...NatsEnv.shape,
    ...AuthEnv.shape,
    ...GatewayEnv.shape,
    ...GatewayLimitsEnv.shape,
    ...ChatRingEnv.shape,
    ...NodeIdEnv('gateway').shape,
  })
  .superRefine(refuseDevSecretsInProduction);
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/** Injection token for the validated GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
