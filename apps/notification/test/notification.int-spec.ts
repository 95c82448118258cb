import { describeServiceRuntime } from '@parley/testing';
import { NotificationAppModule } from '../src/app.module';
import { NotificationConfigSchema } from '../src/notification.config';
import { PushProvidersModule } from '../src/providers/push-providers';

describeServiceRuntime('notification', (env) => {
  const config = NotificationConfigSchema.parse(env);
  return NotificationAppModule.forRoot(config, PushProvidersModule.forRoot(config));
});
