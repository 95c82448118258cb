import 'reflect-metadata';
import { configOrExit, loadConfig } from '@parley/config';
import { GatewayConfigSchema } from './gateway.config';
import { HeldPort } from './held-port';

const config = configOrExit(() => loadConfig(GatewayConfigSchema));

async function main(): Promise<void> {
  const port = await HeldPort.bind({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }).catch((err: unknown) => {
    console.error(`gateway failed to start: cannot listen on ${config.HOST}:${config.PORT}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
  // Loaded once the port is held: Nest and the app's modules are most of the start (see HeldPort).
  const { runService } = await import('@parley/service-runtime');
  const { GatewayAppModule } = await import('./app.module');
  const { configureHttp } = await import('./http/configure-http');
  await runService(GatewayAppModule.forRoot(config), {
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

void main();
