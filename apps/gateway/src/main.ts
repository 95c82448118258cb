import 'reflect-metadata';
import { loadConfig } from '@parley/config';
import { configOrExit, runService } from '@parley/service-runtime';
import { GatewayAppModule } from './app.module';
import { GatewayConfigSchema } from './gateway.config';
import { configureHttp } from './http/configure-http';

const config = configOrExit(() => loadConfig(GatewayConfigSchema));
void runService(GatewayAppModule.forRoot(config), {
  name: 'gateway',
  nodeId: config.NODE_ID,
  port: config.PORT,
  host: config.HOST,
  backlog: config.LISTEN_BACKLOG,
  logLevel: config.LOG_LEVEL,
  logFormat: config.LOG_FORMAT,
  configure: configureHttp,
});
