import { Logger } from '@nestjs/common';
import { ParleyError, Result, toErrorBody } from '@parley/contracts';

const logger = new Logger('SocketAck');

/**
 * Runs an event's work and turns its outcome into the ack envelope. Nothing escapes:
 * a handler that threw would otherwise leave the client waiting for an ack forever.
 */
export async function acknowledge<T>(event: string, work: () => Promise<T> | T): Promise<Result<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (err) {
    if (!(err instanceof ParleyError)) logger.error(`${event} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { ok: false, error: toErrorBody(err) };
  }
}
