import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { countError } from '@parley/telemetry';
import { toHttpError } from './http-error';
import { HttpResponse } from './http-request';

/** The one place REST failures become `{error: {code, message}}` with their status. */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorResponseFilter.name);

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      // Socket handlers answer through acks and never throw; reaching here is a bug.
      this.logger.error(`unhandled ${host.getType()} error: ${describe(err)}`);
      return;
    }
    const { status, body, retryAfterSeconds } = toHttpError(err);
    countError('http', body.error.code);
    if (status >= 500 && body.error.code === 'INTERNAL') this.logger.error(describe(err));
    const response = host.switchToHttp().getResponse<HttpResponse>();
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(status).json(body);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
