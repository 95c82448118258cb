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
  const { serveGateway } = await import('./serve-gateway');
  await serveGateway(config, port);
}

void main();
