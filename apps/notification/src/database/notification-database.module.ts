import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { openDirectoryDatabase } from '@parley/store';
import { InjectNotificationDatabase, NOTIFICATION_DATABASE, NotificationDatabase } from './notification-database';

/** Readiness of the notification tables' database, and its closing after everything that uses it stopped. */
@Injectable()
export class NotificationDatabaseLifecycle implements OnApplicationShutdown {
  constructor(@InjectNotificationDatabase() private readonly db: NotificationDatabase) {}

  async isReady(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

@Global()
@Module({})
export class NotificationDatabaseModule {
  static forRoot(config: { DIRECTORY_DATABASE_URL: string; DATABASE_POOL_SIZE: number }) {
    return {
      module: NotificationDatabaseModule,
      providers: [
        { provide: NOTIFICATION_DATABASE, useFactory: () => openDirectoryDatabase(config, 'parley-notification') },
        NotificationDatabaseLifecycle,
      ],
      exports: [NOTIFICATION_DATABASE, NotificationDatabaseLifecycle],
    };
  }
}
