import { createTestDatabases, describeServiceRuntime, TestDatabases } from '@parley/testing';
import { NotificationAppModule } from '../src/app.module';
import { NotificationConfigSchema } from '../src/notification.config';

// The service keeps registrations and push state in the directory database.
let databases: TestDatabases;
beforeAll(async () => (databases = await createTestDatabases({ physicalShards: 1, logicalShards: 4 })));
afterAll(() => databases?.drop());

describeServiceRuntime('notification', (env) => {
  const config = NotificationConfigSchema.parse({ ...env, DIRECTORY_DATABASE_URL: databases.env.DIRECTORY_DATABASE_URL });
  return NotificationAppModule.forRoot(config);
});
