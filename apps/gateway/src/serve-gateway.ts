import { runService } from '@parley/service-runtime';
import { GatewayAppModule } from './app.module';
import { GatewayConfig } from './gateway.config';
import { HeldPort } from './held-port';
import { configureHttp } from './http/configure-http';

/** Nest and the whole gateway: what main.ts loads once the port is held. */
export function serveGateway(config: GatewayConfig, port: HeldPort): Promise<unknown> {
  return runService(GatewayAppModule.forRoot(config), {
    name: 'gateway',
    nodeId: config.NODE_ID,
    port: config.PORT,
    host: config.HOST,
    listen: (app) => port.serve(app),
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    configure: configureHttp,
  });
}
