import { z } from 'zod';
import { HealthEnv, NatsEnv, NodeIdEnv, RuntimeEnv } from '@parley/config';

export const PresenceConfigSchema = z.object({
  ...RuntimeEnv.shape,
  ...NatsEnv.shape,
  ...HealthEnv(3103).shape,
  ...NodeIdEnv('presence').shape,
});
export type PresenceConfig = z.infer<typeof PresenceConfigSchema>;
