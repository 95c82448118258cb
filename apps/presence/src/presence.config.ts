import { z } from 'zod';
import { HealthEnv, NatsEnv, NodeIdEnv, PresenceTimingEnv, requireHeartbeatWithinTtl, RuntimeEnv } from '@parley/config';

export const PresenceConfigSchema = z
  .object({
    ...RuntimeEnv.shape,
    ...NatsEnv.shape,
    ...HealthEnv(3103).shape,
    ...NodeIdEnv('presence').shape,
    ...PresenceTimingEnv.shape,
    /** A user whose last device left is shown offline only if no device came back within this time. */
    PRESENCE_GRACE_MS: z.coerce.number().int().nonnegative().default(5000),
    /** Most `typing` notices forwarded per second for one user in one conversation. */
    PRESENCE_TYPING_MAX_PER_SECOND: z.coerce.number().int().min(1).max(20).default(3),
  })
  .superRefine(requireHeartbeatWithinTtl);
export type PresenceConfig = z.infer<typeof PresenceConfigSchema>;

/** Injection token for the validated PresenceConfig. */
export const PRESENCE_CONFIG = Symbol('PRESENCE_CONFIG');
