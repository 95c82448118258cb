import { Writable } from 'node:stream';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { currentCorrelationId } from './correlation';

/** The levels services configure (LOG_LEVEL), Nest's names, mapped to pino's. */
export type LogLevelName = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
const PINO_LEVEL: Record<LogLevelName, pino.Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

export interface ServiceLoggerOptions {
  service: string;
  node: string;
  level: LogLevelName;
  /** `json` (default; one object per line, for the cluster's log pipeline) or `text` (a terminal). */
  format?: 'json' | 'text';
  destination?: DestinationStream;
}

/** Fields whose values are credentials, wherever they appear in a logged object. */
const SECRET_PATHS = [
  'token', '*.token', 'accessToken', '*.accessToken', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie',
  'password', '*.password', 'secret', '*.secret', 'JWT_SECRET', 'ADMIN_TOKEN', 'auth.token', 'handshake.auth', '*.handshake.auth',
];

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[\w\-.~+/=]+/gi;
const URL_PASSWORD = /(\w+:\/\/[^:/\s]+:)[^@\s]+@/g;

/** Tokens that reached a message string (an error text, a URL) are masked too. */
export function scrubSecrets(text: string): string {
  return text.replace(JWT, '[redacted-jwt]').replace(BEARER, '$1 [redacted]').replace(URL_PASSWORD, '$1[redacted]@');
}

export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: PINO_LEVEL[options.level],
    base: { service: options.service, node: options.node },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    mixin() {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
  };
  const destination = options.destination ?? (options.format === 'text' ? textDestination() : pino.destination({ fd: 1, sync: true }));
  return pino(config, destination);
}

/** For `npm start` in a terminal: `12:00:00.123 INFO  chat [Context] message key=value`. */
function textDestination(): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const { time, level, service, msg, context, node: _node, ...rest } = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
      const extras = Object.entries(rest).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('');
      const clock = String(time).slice(11, 23);
      process.stdout.write(`${clock} ${String(level).toUpperCase().padEnd(5)} ${String(service)} ${context ? `[${String(context)}] ` : ''}${String(msg)}${extras}\n`, () => done());
    },
  });
}
