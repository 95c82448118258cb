import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServiceLogger, LogLevelName, startProcessMetrics } from '@parley/telemetry';
import { NestPinoLogger } from './nest-logger';

export interface RunServiceOptions {
  name: string;
  /** This process among its service's replicas (NODE_ID; the pod name in Kubernetes). */
  nodeId?: string;
  port: number;
  host?: string;
  /** The listening socket's accept queue (Node's default, 511, without it). */
  backlog?: number;
  logLevel?: LogLevelName;
  logFormat?: 'json' | 'text';
  configure?: (app: INestApplication) => void | Promise<void>;
}

/** Nest hands listen's arguments to Node's `server.listen(port, host, backlog, callback)`; its typings stop at the host. */
type ListenWithBacklog = (port: number, host: string, backlog: number) => Promise<unknown>;

/**
 * Starts a service's HTTP side (health and metrics everywhere; the APIs on the gateway)
 * with JSON logs and shutdown hooks, and turns a failed start into one clear line and exit
 * code 1. SIGTERM runs Nest's shutdown hooks: each service drains there before NATS closes.
 */
export async function runService(module: Type<unknown> | DynamicModule, options: RunServiceOptions): Promise<INestApplication> {
  const logger = createServiceLogger({ service: options.name, node: options.nodeId ?? `${options.name}-${process.pid}`, level: options.logLevel ?? 'log', format: options.logFormat });
  startProcessMetrics(options.name);
  try {
    const app = await NestFactory.create(module, { logger: new NestPinoLogger(logger), abortOnError: false });
    app.enableShutdownHooks();
    // `once`: Nest re-raises the signal after its hooks ran, and that one must end the process.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => logger.info({ signal }, `${signal}: shutting down`));
    await options.configure?.(app);
    const host = options.host ?? '0.0.0.0';
    if (options.backlog === undefined) await app.listen(options.port, host);
    else await (app.listen as unknown as ListenWithBacklog).call(app, options.port, host, options.backlog);
    logger.info(`${options.name} listening on ${await app.getUrl()}`);
    return app;
  } catch (err) {
    logger.fatal(`${options.name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** Reads and validates config before Nest starts; a bad variable ends the process with its name. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
