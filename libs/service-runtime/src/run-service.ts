import { DynamicModule, INestApplication, Logger, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export interface RunServiceOptions {
  name: string;
  port: number;
  host?: string;
  logLevel?: LogLevel;
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Starts a service's HTTP side (health everywhere; the APIs on the gateway) with
 * shutdown hooks, and turns a failed start into one clear line and exit code 1.
 */
export async function runService(module: Type<unknown> | DynamicModule, options: RunServiceOptions): Promise<INestApplication> {
  const logger = new Logger(options.name);
  const threshold = LEVELS.indexOf(options.logLevel ?? 'log');
  try {
    const app = await NestFactory.create(module, { logger: LEVELS.slice(0, threshold + 1), abortOnError: false });
    app.enableShutdownHooks();
    await options.configure?.(app);
    await app.listen(options.port, options.host ?? '0.0.0.0');
    logger.log(`${options.name} listening on ${await app.getUrl()}`);
    return app;
  } catch (err) {
    logger.error(`${options.name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
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
