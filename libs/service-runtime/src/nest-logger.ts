import { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { scrubSecrets } from '@parley/telemetry';

/**
 * Nest's logger calls (`new Logger(Context).log(...)` everywhere in the services) as pino
 * JSON lines: the context becomes a field, an error's stack a field, strings are scrubbed of
 * tokens. Nest passes the context last, and `error()` may pass a stack before it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const strings = params.filter((p): p is string => typeof p === 'string');
    if (strings.length > 0) fields.context = strings[strings.length - 1];
    if (level === 'error' && strings.length > 1) fields.stack = scrubSecrets(strings[0]);
    if (message instanceof Error) {
      fields.err = { type: message.name, message: scrubSecrets(message.message), stack: message.stack && scrubSecrets(message.stack) };
      this.logger[level](fields, scrubSecrets(message.message));
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, scrubSecrets(String(message)));
    }
  }
}
