import { z } from 'zod';
import { HealthEnv, NatsEnv, NodeIdEnv, RuntimeEnv } from '@parley/config';
import { PushProvidersEnv, requireCompletePushSettings } from './providers/push-providers.config';

export const NotificationConfigSchema = z
  .object({
    ...RuntimeEnv.shape,
    ...NatsEnv.shape,
    ...HealthEnv(3104).shape,
    ...NodeIdEnv('notification').shape,
    ...PushProvidersEnv.shape,
  })
  .superRefine(requireCompletePushSettings);
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;
