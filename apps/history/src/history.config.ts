import { z } from 'zod';
import { DatabaseEnv, HealthEnv, NatsEnv, NodeIdEnv, RuntimeEnv } from '@parley/config';

export const HistoryConfigSchema = z.object({
  ...RuntimeEnv.shape,
  ...NatsEnv.shape,
  ...DatabaseEnv.shape,
  ...HealthEnv(3102).shape,
  ...NodeIdEnv('history').shape,
});
export type HistoryConfig = z.infer<typeof HistoryConfigSchema>;
