import 'reflect-metadata';
import { loadConfig } from '@parley/config';
import { configOrExit, runService } from '@parley/service-runtime';
import { PresenceAppModule } from './app.module';
import { PresenceConfigSchema } from './presence.config';

const config = configOrExit(() => loadConfig(PresenceConfigSchema));
void runService(PresenceAppModule.forRoot(config), { name: 'presence', nodeId: config.NODE_ID, port: config.HEALTH_PORT, logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT });
