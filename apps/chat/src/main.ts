import 'reflect-metadata';
import { loadConfig } from '@parley/config';
import { configOrExit, runService } from '@parley/service-runtime';
import { ChatAppModule } from './app.module';
import { ChatConfigSchema } from './chat.config';

const config = configOrExit(() => loadConfig(ChatConfigSchema));
void runService(ChatAppModule.forRoot(config), { name: 'chat', nodeId: config.NODE_ID, port: config.HEALTH_PORT, logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT });
