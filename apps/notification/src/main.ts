import 'reflect-metadata';
import { loadConfig } from '@parley/config';
import { configOrExit, runService } from '@parley/service-runtime';
import { NotificationAppModule } from './app.module';
import { NotificationConfigSchema } from './notification.config';

const config = configOrExit(() => loadConfig(NotificationConfigSchema));
void runService(NotificationAppModule.forRoot(config), { name: 'notification', nodeId: config.NODE_ID, port: config.HEALTH_PORT, logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT });
