import { describeServiceRuntime } from '@parley/testing';
import { NotificationAppModule } from '../src/app.module';
import { NotificationConfigSchema } from '../src/notification.config';

describeServiceRuntime('notification', (env) => NotificationAppModule.forRoot(NotificationConfigSchema.parse(env)));
