import 'reflect-metadata';
import { loadConfig } from '@parley/config';
import { configOrExit, runService } from '@parley/service-runtime';
import { HistoryAppModule } from './app.module';
import { HistoryConfigSchema } from './history.config';

const config = configOrExit(() => loadConfig(HistoryConfigSchema));
void runService(HistoryAppModule.forRoot(config), { name: 'history', nodeId: config.NODE_ID, port: config.HEALTH_PORT, logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT });
