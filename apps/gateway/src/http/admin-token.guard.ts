import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ParleyError } from '@parley/contracts';
import { bearerToken } from '../auth/jwt-verifier';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { HttpRequest } from './http-request';

/** Admin endpoints: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'ADMIN_TOKEN'>) {
    this.expected = digest(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<HttpRequest>().headers.authorization);
    // Digests have a fixed length, so neither the content nor the length of the token leaks through timing.
    if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      throw new ParleyError(ErrorCode.UNAUTHORIZED, 'a valid admin token is required');
    }
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
