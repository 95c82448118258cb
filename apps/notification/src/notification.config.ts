import { z } from 'zod';
import { HealthEnv, NatsEnv, NodeIdEnv, RuntimeEnv } from '@parley/config';

export const NotificationConfigSchema = z.object({
  ...RuntimeEnv.shape,
  ...NatsEnv.shape,
  ...HealthEnv(3104).shape,
  ...NodeIdEnv('notification').shape,
});
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;
